import { todo_items } from "@prisma/client";

import { ITodoItem } from "../api/structures/ITodoItem";

/**
 * The ITodoItem.ISummary of a `todo_items` row.
 *
 * A todo item as listed.
 */
export function transformTodoItemSummary(row: todo_items): ITodoItem.ISummary {
  return {
    id: row.id,
    title: row.title,
    priority: row.priority,
    due_at: row.due_at?.toISOString() ?? null,
    completed_at: row.completed_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}
