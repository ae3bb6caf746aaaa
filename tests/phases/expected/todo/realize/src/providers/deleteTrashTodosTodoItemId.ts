import { NotFoundException } from "@nestjs/common";

import { MyGlobal } from "../MyGlobal";
import { MemberPayload } from "../decorators/payload/MemberPayload";

/**
 * Erase a todo item permanently.
 *
 * Deletes an item in the trash together with its snapshots; this cannot be undone.
 *
 * @param props.member The authorized member
 * @param props.todoItemId Id of the todo item.
 * @route DELETE /trash/todos/{todoItemId}
 */
export async function deleteTrashTodosTodoItemId(props: {
  member: MemberPayload;
  todoItemId: string;
}): Promise<void> {
  const trashed = await MyGlobal.prisma.todo_items.findFirst({
    where: { id: props.todoItemId, todo_member_id: props.member.id, deleted_at: { not: null } },
  });
  if (trashed === null) {
    throw new NotFoundException('No such item in the trash.');
  }
  await MyGlobal.prisma.todo_items.delete({ where: { id: trashed.id } });
}
