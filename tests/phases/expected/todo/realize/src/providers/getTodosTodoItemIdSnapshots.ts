import { NotFoundException } from "@nestjs/common";

import { MyGlobal } from "../MyGlobal";
import { IPageITodoItemSnapshot } from "../api/structures/IPageITodoItemSnapshot";
import { ITodoItemSnapshot } from "../api/structures/ITodoItemSnapshot";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoItemSnapshot } from "../transformers/transformTodoItemSnapshot";

/**
 * List the edit history of a todo item.
 *
 * Lists the snapshots of one of the member's items, newest first, paginated.
 *
 * @param props.member The authorized member
 * @param props.todoItemId Id of the todo item.
 * @param props.query ITodoItemSnapshot.IRequest
 * @returns IPageITodoItemSnapshot
 * @route GET /todos/{todoItemId}/snapshots
 */
export async function getTodosTodoItemIdSnapshots(props: {
  member: MemberPayload;
  todoItemId: string;
  query: ITodoItemSnapshot.IRequest;
}): Promise<IPageITodoItemSnapshot> {
  const owned = await MyGlobal.prisma.todo_items.count({
    where: { id: props.todoItemId, todo_member_id: props.member.id },
  });
  if (owned === 0) {
    throw new NotFoundException('No such todo item.');
  }
  const page = props.query.page ?? 1;
  const limit = props.query.limit ?? 20;
  const [snapshots, records] = await MyGlobal.prisma.$transaction([
    MyGlobal.prisma.todo_item_snapshots.findMany({
      where: { todo_item_id: props.todoItemId },
      orderBy: { created_at: 'desc' },
      skip: (page - 1) * limit,
      take: limit,
    }),
    MyGlobal.prisma.todo_item_snapshots.count({ where: { todo_item_id: props.todoItemId } }),
  ]);
  return {
    pagination: { current: page, limit, records, pages: Math.ceil(records / limit) },
    data: snapshots.map(transformTodoItemSnapshot),
  };
}
