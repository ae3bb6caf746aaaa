import type { IPage } from "./IPage";
import type { ITodoItemSnapshot } from "./ITodoItemSnapshot";

/**
 * A page of snapshots of one todo item, newest first.
 */
export type IPageITodoItemSnapshot = {
  /**
   * Position of this page.
   */
  pagination: IPage.IPagination;

  /**
   * The snapshots of this page.
   */
  data: Array<ITodoItemSnapshot>;
};
