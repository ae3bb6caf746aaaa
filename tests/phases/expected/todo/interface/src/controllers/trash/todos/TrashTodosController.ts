import { Controller, Delete, Get, Param, ParseUUIDPipe, Post, Query } from "@nestjs/common";
import { IPageITodoItem } from "../../../api/structures/IPageITodoItem";
import { ITodoItem } from "../../../api/structures/ITodoItem";
import { MemberAuth } from "../../../decorators/MemberAuth";
import { MemberPayload } from "../../../decorators/payload/MemberPayload";
import { deleteTrashTodosTodoItemId } from "../../../providers/deleteTrashTodosTodoItemId";
import { getTrashTodos } from "../../../providers/getTrashTodos";
import { postTrashTodosTodoItemIdRestore } from "../../../providers/postTrashTodosTodoItemIdRestore";
import { QueryValues } from "../../../utils/QueryValues";
import { RequestValidation } from "../../../utils/RequestValidation";
import { toHttpException } from "../../../utils/toHttpException";

/**
 * Routes of api.functional.trash.todos: GET /trash/todos, POST /trash/todos/{todoItemId}/restore, DELETE /trash/todos/{todoItemId}.
 */
@Controller("trash/todos")
export class TrashTodosController {
  /**
   * List my trash.
   *
   * Lists the logged-in member's items in the trash with the same filters and sorting as the main list.
   *
   * @param member The authorized member
   * @param query ITodoItem.IRequest
   * @returns IPageITodoItem.ISummary
   * @route GET /trash/todos
   */
  @Get()
  public async index(
    @MemberAuth() member: MemberPayload,
    @Query(new QueryValues({ completed: "boolean", limit: "integer", page: "integer" }), new RequestValidation("query", "ITodoItem.IRequest")) query: ITodoItem.IRequest,
  ): Promise<IPageITodoItem.ISummary> {
    try {
      return await getTrashTodos({ member, query });
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /**
   * Restore a todo item from the trash.
   *
   * Clears deleted_at so the item is back in the list, and records a history entry; 404 when the item is not in the member's trash.
   *
   * @param member The authorized member
   * @param todoItemId Id of the todo item.
   * @returns ITodoItem
   * @route POST /trash/todos/{todoItemId}/restore
   */
  @Post(":todoItemId/restore")
  public async restore(
    @MemberAuth() member: MemberPayload,
    @Param("todoItemId", ParseUUIDPipe) todoItemId: string,
  ): Promise<ITodoItem> {
    try {
      return await postTrashTodosTodoItemIdRestore({ member, todoItemId });
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /**
   * Erase a todo item permanently.
   *
   * Deletes an item in the trash together with its snapshots; this cannot be undone.
   *
   * @param member The authorized member
   * @param todoItemId Id of the todo item.
   * @route DELETE /trash/todos/{todoItemId}
   */
  @Delete(":todoItemId")
  public async erase(
    @MemberAuth() member: MemberPayload,
    @Param("todoItemId", ParseUUIDPipe) todoItemId: string,
  ): Promise<void> {
    try {
      return await deleteTrashTodosTodoItemId({ member, todoItemId });
    } catch (error) {
      throw toHttpException(error);
    }
  }
}
