import { NotFoundException } from "@nestjs/common";

import { MyGlobal } from "../MyGlobal";
import { ITodoItem } from "../api/structures/ITodoItem";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoItem } from "../transformers/transformTodoItem";

/**
 * Restore a todo item from the trash.
 *
 * Clears deleted_at so the item is back in the list; 404 when the item is not in the member's trash.
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
  const restored = await MyGlobal.prisma.todo_items.update({
    where: { id: trashed.id },
    data: { deleted_at: null, updated_at: new Date() },
  });
  return transformTodoItem(restored);
}
