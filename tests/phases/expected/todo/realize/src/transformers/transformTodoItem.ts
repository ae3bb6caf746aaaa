import { todo_items } from "@prisma/client";

import { ITodoItem } from "../api/structures/ITodoItem";

/**
 * The ITodoItem of a `todo_items` row.
 *
 * A todo item of the logged-in member.
 */
export function transformTodoItem(row: todo_items): ITodoItem {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    priority: row.priority,
    due_at: row.due_at?.toISOString() ?? null,
    completed_at: row.completed_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    deleted_at: row.deleted_at?.toISOString() ?? null,
  };
}
