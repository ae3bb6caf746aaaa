import { todo_item_snapshots } from "@prisma/client";

import { ITodoItemSnapshot } from "../api/structures/ITodoItemSnapshot";

/**
 * The ITodoItemSnapshot of a `todo_item_snapshots` row.
 *
 * An edit history entry of a todo item, written by every change to it (create, update, complete, re-open, delete, restore) with the values the item had right after the change; what changed and the old values are in the entry before it.
 */
export function transformTodoItemSnapshot(row: todo_item_snapshots): ITodoItemSnapshot {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    priority: row.priority,
    due_at: row.due_at?.toISOString() ?? null,
    completed_at: row.completed_at?.toISOString() ?? null,
    deleted_at: row.deleted_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}
