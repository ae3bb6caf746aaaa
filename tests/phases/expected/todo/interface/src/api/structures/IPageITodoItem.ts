import type { IPage } from "./IPage";
import type { ITodoItem } from "./ITodoItem";

export namespace IPageITodoItem {
  /**
   * A page of todo item summaries.
   */
  export type ISummary = {
    /**
     * Position of this page.
     */
    pagination: IPage.IPagination;

    /**
     * The items of this page.
     */
    data: Array<ITodoItem.ISummary>;
  };
}
