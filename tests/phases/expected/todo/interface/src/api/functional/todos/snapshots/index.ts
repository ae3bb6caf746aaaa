import { fetcher } from "../../../fetcher";
import type { IConnection } from "../../../IConnection";
import type { IPageITodoItemSnapshot } from "../../../structures/IPageITodoItemSnapshot";
import type { ITodoItemSnapshot } from "../../../structures/ITodoItemSnapshot";

/**
 * List the edit history of a todo item.
 *
 * Lists the snapshots of one of the member's items, newest first, paginated.
 *
 * @param connection Server to call
 * @param todoItemId Id of the todo item.
 * @param query ITodoItemSnapshot.IRequest
 * @returns IPageITodoItemSnapshot
 * @route GET /todos/{todoItemId}/snapshots
 */
export async function index(connection: IConnection, todoItemId: string, query: ITodoItemSnapshot.IRequest): Promise<IPageITodoItemSnapshot> {
  return fetcher<IPageITodoItemSnapshot>(connection, {
    method: "GET",
    path: `/todos/${encodeURIComponent(todoItemId)}/snapshots`,
    query,
  });
}

/**
 * Read one snapshot of a todo item.
 *
 * Returns one snapshot of one of the member's items.
 *
 * @param connection Server to call
 * @param todoItemId Id of the todo item.
 * @param snapshotId Id of the snapshot.
 * @returns ITodoItemSnapshot
 * @route GET /todos/{todoItemId}/snapshots/{snapshotId}
 */
export async function at(connection: IConnection, todoItemId: string, snapshotId: string): Promise<ITodoItemSnapshot> {
  return fetcher<ITodoItemSnapshot>(connection, {
    method: "GET",
    path: `/todos/${encodeURIComponent(todoItemId)}/snapshots/${encodeURIComponent(snapshotId)}`,
  });
}
