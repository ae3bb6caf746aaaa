import { fetcher } from "../../fetcher";
import type { IConnection } from "../../IConnection";
import type { IPageITodoItem } from "../../structures/IPageITodoItem";
import type { ITodoItem } from "../../structures/ITodoItem";

export * as snapshots from "./snapshots";

/**
 * List my todo items.
 *
 * Lists the logged-in member's items that are not in the trash, filtered by keyword, completion and due time, sorted and paginated.
 *
 * @param connection Server to call
 * @param query ITodoItem.IRequest
 * @returns IPageITodoItem.ISummary
 * @route GET /todos
 */
export async function index(connection: IConnection, query: ITodoItem.IRequest): Promise<IPageITodoItem.ISummary> {
  return fetcher<IPageITodoItem.ISummary>(connection, {
    method: "GET",
    path: `/todos`,
    query,
  });
}

/**
 * Create a todo item.
 *
 * Creates an open item owned by the logged-in member, with its first history entry.
 *
 * @param connection Server to call
 * @param body ITodoItem.ICreate
 * @returns ITodoItem
 * @route POST /todos
 */
export async function create(connection: IConnection, body: ITodoItem.ICreate): Promise<ITodoItem> {
  return fetcher<ITodoItem>(connection, {
    method: "POST",
    path: `/todos`,
    body,
  });
}

/**
 * Read one todo item.
 *
 * Returns one of the member's items that is not in the trash; 404 for other members' items.
 *
 * @param connection Server to call
 * @param todoItemId Id of the todo item.
 * @returns ITodoItem
 * @route GET /todos/{todoItemId}
 */
export async function at(connection: IConnection, todoItemId: string): Promise<ITodoItem> {
  return fetcher<ITodoItem>(connection, {
    method: "GET",
    path: `/todos/${encodeURIComponent(todoItemId)}`,
  });
}

/**
 * Update a todo item.
 *
 * Applies the given changes and records the new values as a history entry; completing sets completed_at, reopening clears it. Answers 404 for items in the trash or of other members.
 *
 * @param connection Server to call
 * @param todoItemId Id of the todo item.
 * @param body ITodoItem.IUpdate
 * @returns ITodoItem
 * @route PUT /todos/{todoItemId}
 */
export async function update(connection: IConnection, todoItemId: string, body: ITodoItem.IUpdate): Promise<ITodoItem> {
  return fetcher<ITodoItem>(connection, {
    method: "PUT",
    path: `/todos/${encodeURIComponent(todoItemId)}`,
    body,
  });
}

/**
 * Move a todo item to the trash.
 *
 * Soft-deletes the item by setting deleted_at and records a history entry; it can be restored from the trash.
 *
 * @param connection Server to call
 * @param todoItemId Id of the todo item.
 * @route DELETE /todos/{todoItemId}
 */
export async function erase(connection: IConnection, todoItemId: string): Promise<void> {
  return fetcher<void>(connection, {
    method: "DELETE",
    path: `/todos/${encodeURIComponent(todoItemId)}`,
  });
}
