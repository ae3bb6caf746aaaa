import { NotFoundException } from "@nestjs/common";
import { Prisma } from "@prisma/client";
import { v4 } from "uuid";

import { MyGlobal } from "../MyGlobal";
import { ITodoItem } from "../api/structures/ITodoItem";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoItem } from "../transformers/transformTodoItem";

/**
 * Update a todo item.
 *
 * Applies the given changes and records the new values as a history entry; completing sets completed_at, reopening clears it. Answers 404 for items in the trash or of other members.
 *
 * @param props.member The authorized member
 * @param props.todoItemId Id of the todo item.
 * @param props.body ITodoItem.IUpdate
 * @returns ITodoItem
 * @route PUT /todos/{todoItemId}
 */
export async function putTodosTodoItemId(props: {
  member: MemberPayload;
  todoItemId: string;
  body: ITodoItem.IUpdate;
}): Promise<ITodoItem> {
  const item = await MyGlobal.prisma.todo_items.findFirst({
    where: { id: props.todoItemId, todo_member_id: props.member.id, deleted_at: null },
  });
  if (item === null) {
    throw new NotFoundException('No such todo item.');
  }
  const now = new Date();
  const changes: Prisma.todo_itemsUncheckedUpdateInput = { updated_at: now };
  if (props.body.title !== undefined) {
    changes.title = props.body.title.trim();
  }
  if (props.body.body !== undefined) {
    changes.body = props.body.body;
  }
  if (props.body.priority !== undefined) {
    changes.priority = props.body.priority;
  }
  if (props.body.due_at !== undefined) {
    changes.due_at = props.body.due_at === null ? null : new Date(props.body.due_at);
  }
  if (props.body.completed !== undefined) {
    changes.completed_at = props.body.completed ? (item.completed_at ?? now) : null;
  }
  const updated = await MyGlobal.prisma.$transaction(async (tx) => {
    const row = await tx.todo_items.update({ where: { id: item.id }, data: changes });
    await tx.todo_item_snapshots.create({
      data: {
        id: v4(),
        todo_item_id: row.id,
        title: row.title,
        body: row.body,
        priority: row.priority,
        due_at: row.due_at,
        completed_at: row.completed_at,
        deleted_at: row.deleted_at,
        created_at: now,
      },
    });
    return row;
  });
  return transformTodoItem(updated);
}
