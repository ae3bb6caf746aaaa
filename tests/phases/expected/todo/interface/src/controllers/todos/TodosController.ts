import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Put, Query } from "@nestjs/common";
import { IPageITodoItem } from "../../api/structures/IPageITodoItem";
import { ITodoItem } from "../../api/structures/ITodoItem";
import { MemberAuth } from "../../decorators/MemberAuth";
import { MemberPayload } from "../../decorators/payload/MemberPayload";
import { deleteTodosTodoItemId } from "../../providers/deleteTodosTodoItemId";
import { getTodos } from "../../providers/getTodos";
import { getTodosTodoItemId } from "../../providers/getTodosTodoItemId";
import { postTodos } from "../../providers/postTodos";
import { putTodosTodoItemId } from "../../providers/putTodosTodoItemId";
import { QueryValues } from "../../utils/QueryValues";
import { RequestValidation } from "../../utils/RequestValidation";
import { toHttpException } from "../../utils/toHttpException";

/**
 * Routes of api.functional.todos: GET /todos, POST /todos, GET /todos/{todoItemId}, PUT /todos/{todoItemId}, DELETE /todos/{todoItemId}.
 */
@Controller("todos")
export class TodosController {
  /**
   * List my todo items.
   *
   * Lists the logged-in member's items that are not in the trash, filtered by keyword, completion and due time, sorted and paginated.
   *
   * @param member The authorized member
   * @param query ITodoItem.IRequest
   * @returns IPageITodoItem.ISummary
   * @route GET /todos
   */
  @Get()
  public async index(
    @MemberAuth() member: MemberPayload,
    @Query(new QueryValues({ completed: "boolean", limit: "integer", page: "integer" }), new RequestValidation("query", "ITodoItem.IRequest")) query: ITodoItem.IRequest,
  ): Promise<IPageITodoItem.ISummary> {
    try {
      return await getTodos({ member, query });
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /**
   * Create a todo item.
   *
   * Creates an open item owned by the logged-in member, with its first history entry.
   *
   * @param member The authorized member
   * @param body ITodoItem.ICreate
   * @returns ITodoItem
   * @route POST /todos
   */
  @Post()
  public async create(
    @MemberAuth() member: MemberPayload,
    @Body(new RequestValidation("body", "ITodoItem.ICreate")) body: ITodoItem.ICreate,
  ): Promise<ITodoItem> {
    try {
      return await postTodos({ member, body });
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /**
   * Read one todo item.
   *
   * Returns one of the member's items that is not in the trash; 404 for other members' items.
   *
   * @param member The authorized member
   * @param todoItemId Id of the todo item.
   * @returns ITodoItem
   * @route GET /todos/{todoItemId}
   */
  @Get(":todoItemId")
  public async at(
    @MemberAuth() member: MemberPayload,
    @Param("todoItemId", ParseUUIDPipe) todoItemId: string,
  ): Promise<ITodoItem> {
    try {
      return await getTodosTodoItemId({ member, todoItemId });
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /**
   * Update a todo item.
   *
   * Applies the given changes and records the new values as a history entry; completing sets completed_at, reopening clears it. Answers 404 for items in the trash or of other members.
   *
   * @param member The authorized member
   * @param todoItemId Id of the todo item.
   * @param body ITodoItem.IUpdate
   * @returns ITodoItem
   * @route PUT /todos/{todoItemId}
   */
  @Put(":todoItemId")
  public async update(
    @MemberAuth() member: MemberPayload,
    @Param("todoItemId", ParseUUIDPipe) todoItemId: string,
    @Body(new RequestValidation("body", "ITodoItem.IUpdate")) body: ITodoItem.IUpdate,
  ): Promise<ITodoItem> {
    try {
      return await putTodosTodoItemId({ member, todoItemId, body });
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /**
   * Move a todo item to the trash.
   *
   * Soft-deletes the item by setting deleted_at and records a history entry; it can be restored from the trash.
   *
   * @param member The authorized member
   * @param todoItemId Id of the todo item.
   * @route DELETE /todos/{todoItemId}
   */
  @Delete(":todoItemId")
  public async erase(
    @MemberAuth() member: MemberPayload,
    @Param("todoItemId", ParseUUIDPipe) todoItemId: string,
  ): Promise<void> {
    try {
      return await deleteTodosTodoItemId({ member, todoItemId });
    } catch (error) {
      throw toHttpException(error);
    }
  }
}
