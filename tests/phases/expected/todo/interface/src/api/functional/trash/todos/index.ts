import { fetcher } from "../../../fetcher";
import type { IConnection } from "../../../IConnection";
import type { IPageITodoItem } from "../../../structures/IPageITodoItem";
import type { ITodoItem } from "../../../structures/ITodoItem";

/**
 * List my trash.
 *
 * Lists the logged-in member's items in the trash with the same filters and sorting as the main list.
 *
 * @param connection Server to call
 * @param query ITodoItem.IRequest
 * @returns IPageITodoItem.ISummary
 * @route GET /trash/todos
 */
export async function index(connection: IConnection, query: ITodoItem.IRequest): Promise<IPageITodoItem.ISummary> {
  return fetcher<IPageITodoItem.ISummary>(connection, {
    method: "GET",
    path: `/trash/todos`,
    query,
  });
}

/**
 * Restore a todo item from the trash.
 *
 * Clears deleted_at so the item is back in the list, and records a history entry; 404 when the item is not in the member's trash.
 *
 * @param connection Server to call
 * @param todoItemId Id of the todo item.
 * @returns ITodoItem
 * @route POST /trash/todos/{todoItemId}/restore
 */
export async function restore(connection: IConnection, todoItemId: string): Promise<ITodoItem> {
  return fetcher<ITodoItem>(connection, {
    method: "POST",
    path: `/trash/todos/${encodeURIComponent(todoItemId)}/restore`,
  });
}

/**
 * Erase a todo item permanently.
 *
 * Deletes an item in the trash together with its snapshots; this cannot be undone.
 *
 * @param connection Server to call
 * @param todoItemId Id of the todo item.
 * @route DELETE /trash/todos/{todoItemId}
 */
export async function erase(connection: IConnection, todoItemId: string): Promise<void> {
  return fetcher<void>(connection, {
    method: "DELETE",
    path: `/trash/todos/${encodeURIComponent(todoItemId)}`,
  });
}
