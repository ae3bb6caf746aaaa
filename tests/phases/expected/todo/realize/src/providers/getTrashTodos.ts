import { Prisma } from "@prisma/client";

import { MyGlobal } from "../MyGlobal";
import { IPageITodoItem } from "../api/structures/IPageITodoItem";
import { ITodoItem } from "../api/structures/ITodoItem";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoItemSummary } from "../transformers/transformTodoItemSummary";

/**
 * List my trash.
 *
 * Lists the logged-in member's items in the trash with the same filters and sorting as the main list.
 *
 * @param props.member The authorized member
 * @param props.query ITodoItem.IRequest
 * @returns IPageITodoItem.ISummary
 * @route GET /trash/todos
 */
export async function getTrashTodos(props: {
  member: MemberPayload;
  query: ITodoItem.IRequest;
}): Promise<IPageITodoItem.ISummary> {
  const current = props.query.page ?? 1;
  const size = props.query.limit ?? 20;
  const filters: Prisma.todo_itemsWhereInput[] = [
    { todo_member_id: props.member.id },
    { deleted_at: { not: null } },
  ];
  if (props.query.search) {
    filters.push({ title: { contains: props.query.search, mode: 'insensitive' } });
  }
  if (props.query.completed === true) {
    filters.push({ completed_at: { not: null } });
  } else if (props.query.completed === false) {
    filters.push({ completed_at: null });
  }
  if (props.query.due_before) {
    filters.push({ due_at: { lt: new Date(props.query.due_before) } });
  }
  if (props.query.due_after) {
    filters.push({ due_at: { gt: new Date(props.query.due_after) } });
  }
  const orderBy = props.query.sort
    ? { [props.query.sort]: props.query.direction ?? 'desc' }
    : { deleted_at: props.query.direction ?? 'desc' };
  const total = await MyGlobal.prisma.todo_items.count({ where: { AND: filters } });
  const trashed = await MyGlobal.prisma.todo_items.findMany({
    where: { AND: filters },
    orderBy,
    skip: (current - 1) * size,
    take: size,
  });
  return {
    pagination: { current: current, limit: size, records: total, pages: Math.ceil(total / size) },
    data: trashed.map(transformTodoItemSummary),
  };
}
