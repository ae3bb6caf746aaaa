import { todo_item_snapshots } from "@prisma/client";

import { ITodoItemSnapshot } from "../api/structures/ITodoItemSnapshot";

/**
 * The ITodoItemSnapshot of a `todo_item_snapshots` row.
 *
 * The values a todo item had before one update.
 */
export function transformTodoItemSnapshot(row: todo_item_snapshots): ITodoItemSnapshot {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    priority: row.priority,
    due_at: row.due_at?.toISOString() ?? null,
    completed_at: row.completed_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}
