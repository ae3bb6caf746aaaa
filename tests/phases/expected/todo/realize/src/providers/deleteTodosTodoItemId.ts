import { NotFoundException } from "@nestjs/common";
import { v4 } from "uuid";

import { MyGlobal } from "../MyGlobal";
import { MemberPayload } from "../decorators/payload/MemberPayload";

/**
 * Move a todo item to the trash.
 *
 * Soft-deletes the item by setting deleted_at and records a history entry; it can be restored from the trash.
 *
 * @param props.member The authorized member
 * @param props.todoItemId Id of the todo item.
 * @route DELETE /todos/{todoItemId}
 */
export async function deleteTodosTodoItemId(props: {
  member: MemberPayload;
  todoItemId: string;
}): Promise<void> {
  const item = await MyGlobal.prisma.todo_items.findFirst({
    where: { id: props.todoItemId, todo_member_id: props.member.id, deleted_at: null },
  });
  if (item === null) {
    throw new NotFoundException('No such todo item.');
  }
  const now = new Date();
  await MyGlobal.prisma.$transaction(async (tx) => {
    const trashed = await tx.todo_items.update({
      where: { id: item.id },
      data: { deleted_at: now, updated_at: now },
    });
    await tx.todo_item_snapshots.create({
      data: {
        id: v4(),
        todo_item_id: trashed.id,
        title: trashed.title,
        body: trashed.body,
        priority: trashed.priority,
        due_at: trashed.due_at,
        completed_at: trashed.completed_at,
        deleted_at: trashed.deleted_at,
        created_at: now,
      },
    });
  });
}
