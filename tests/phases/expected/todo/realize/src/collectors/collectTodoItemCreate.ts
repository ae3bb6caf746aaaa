import { Prisma } from "@prisma/client";
import { v4 } from "uuid";

import { ITodoItem } from "../api/structures/ITodoItem";

/**
 * The `todo_items` row to create from the request body ITodoItem.ICreate.
 *
 * A new todo item.
 */
export function collectTodoItemCreate(props: {
  body: ITodoItem.ICreate;
  todo_member_id: string;
}): Prisma.todo_itemsUncheckedCreateInput {
  const now = new Date();
  return {
    id: v4(),
    todo_member_id: props.todo_member_id,
    title: props.body.title.trim(),
    body: props.body.body ?? null,
    priority: props.body.priority ?? 3,
    due_at: props.body.due_at ? new Date(props.body.due_at) : null,
    completed_at: null,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
}
