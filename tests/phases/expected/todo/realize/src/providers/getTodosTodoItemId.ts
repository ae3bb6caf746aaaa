import { NotFoundException } from "@nestjs/common";

import { MyGlobal } from "../MyGlobal";
import { ITodoItem } from "../api/structures/ITodoItem";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoItem } from "../transformers/transformTodoItem";

/**
 * Read one todo item.
 *
 * Returns one of the member's items that is not in the trash; 404 for other members' items.
 *
 * @param props.member The authorized member
 * @param props.todoItemId Id of the todo item.
 * @returns ITodoItem
 * @route GET /todos/{todoItemId}
 */
export async function getTodosTodoItemId(props: {
  member: MemberPayload;
  todoItemId: string;
}): Promise<ITodoItem> {
  const item = await MyGlobal.prisma.todo_items.findFirst({
    where: { id: props.todoItemId, todo_member_id: props.member.id, deleted_at: null },
  });
  if (item === null) {
    throw new NotFoundException('No such todo item.');
  }
  return transformTodoItem(item);
}
