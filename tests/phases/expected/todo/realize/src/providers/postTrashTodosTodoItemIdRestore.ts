import { NotFoundException } from "@nestjs/common";
import { v4 } from "uuid";

import { MyGlobal } from "../MyGlobal";
import { ITodoItem } from "../api/structures/ITodoItem";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoItem } from "../transformers/transformTodoItem";

/**
 * Restore a todo item from the trash.
 *
 * Clears deleted_at so the item is back in the list, and records a history entry; 404 when the item is not in the member's trash.
 *
 * @param props.member The authorized member
 * @param props.todoItemId Id of the todo item.
 * @returns ITodoItem
 * @route POST /trash/todos/{todoItemId}/restore
 */
export async function postTrashTodosTodoItemIdRestore(props: {
  member: MemberPayload;
  todoItemId: string;
}): Promise<ITodoItem> {
  const trashed = await MyGlobal.prisma.todo_items.findFirst({
    where: { id: props.todoItemId, todo_member_id: props.member.id, deleted_at: { not: null } },
  });
  if (trashed === null) {
    throw new NotFoundException('No such item in the trash.');
  }
  const now = new Date();
  const restored = await MyGlobal.prisma.$transaction(async (tx) => {
    const row = await tx.todo_items.update({
      where: { id: trashed.id },
      data: { deleted_at: null, updated_at: now },
    });
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
  return transformTodoItem(restored);
}
