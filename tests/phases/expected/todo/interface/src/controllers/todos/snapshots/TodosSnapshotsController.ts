import { Controller, Get, Param, ParseUUIDPipe, Query } from "@nestjs/common";
import { IPageITodoItemSnapshot } from "../../../api/structures/IPageITodoItemSnapshot";
import { ITodoItemSnapshot } from "../../../api/structures/ITodoItemSnapshot";
import { MemberAuth } from "../../../decorators/MemberAuth";
import { MemberPayload } from "../../../decorators/payload/MemberPayload";
import { getTodosTodoItemIdSnapshots } from "../../../providers/getTodosTodoItemIdSnapshots";
import { getTodosTodoItemIdSnapshotsSnapshotId } from "../../../providers/getTodosTodoItemIdSnapshotsSnapshotId";
import { QueryValues } from "../../../utils/QueryValues";
import { RequestValidation } from "../../../utils/RequestValidation";
import { toHttpException } from "../../../utils/toHttpException";

/**
 * Routes of api.functional.todos.snapshots: GET /todos/{todoItemId}/snapshots, GET /todos/{todoItemId}/snapshots/{snapshotId}.
 */
@Controller("todos/:todoItemId/snapshots")
export class TodosSnapshotsController {
  /**
   * List the edit history of a todo item.
   *
   * Lists the snapshots of one of the member's items, newest first, paginated.
   *
   * @param member The authorized member
   * @param todoItemId Id of the todo item.
   * @param query ITodoItemSnapshot.IRequest
   * @returns IPageITodoItemSnapshot
   * @route GET /todos/{todoItemId}/snapshots
   */
  @Get()
  public async index(
    @MemberAuth() member: MemberPayload,
    @Param("todoItemId", ParseUUIDPipe) todoItemId: string,
    @Query(new QueryValues({ limit: "integer", page: "integer" }), new RequestValidation("query", "ITodoItemSnapshot.IRequest")) query: ITodoItemSnapshot.IRequest,
  ): Promise<IPageITodoItemSnapshot> {
    try {
      return await getTodosTodoItemIdSnapshots({ member, todoItemId, query });
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /**
   * Read one snapshot of a todo item.
   *
   * Returns one snapshot of one of the member's items.
   *
   * @param member The authorized member
   * @param todoItemId Id of the todo item.
   * @param snapshotId Id of the snapshot.
   * @returns ITodoItemSnapshot
   * @route GET /todos/{todoItemId}/snapshots/{snapshotId}
   */
  @Get(":snapshotId")
  public async at(
    @MemberAuth() member: MemberPayload,
    @Param("todoItemId", ParseUUIDPipe) todoItemId: string,
    @Param("snapshotId", ParseUUIDPipe) snapshotId: string,
  ): Promise<ITodoItemSnapshot> {
    try {
      return await getTodosTodoItemIdSnapshotsSnapshotId({ member, todoItemId, snapshotId });
    } catch (error) {
      throw toHttpException(error);
    }
  }
}
