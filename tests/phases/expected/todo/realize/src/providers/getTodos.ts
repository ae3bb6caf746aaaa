import { Prisma } from "@prisma/client";

import { MyGlobal } from "../MyGlobal";
import { IPageITodoItem } from "../api/structures/IPageITodoItem";
import { ITodoItem } from "../api/structures/ITodoItem";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoItemSummary } from "../transformers/transformTodoItemSummary";

/**
 * List my todo items.
 *
 * Lists the logged-in member's items that are not in the trash, filtered by keyword, completion and due time, sorted and paginated.
 *
 * @param props.member The authorized member
 * @param props.query ITodoItem.IRequest
 * @returns IPageITodoItem.ISummary
 * @route GET /todos
 */
export async function getTodos(props: {
  member: MemberPayload;
  query: ITodoItem.IRequest;
}): Promise<IPageITodoItem.ISummary> {
  const page = props.query.page ?? 1;
  const limit = props.query.limit ?? 20;
  const where: Prisma.todo_itemsWhereInput = {
    todo_member_id: props.member.id,
    deleted_at: null,
  };
  if (props.query.search !== undefined && props.query.search.length > 0) {
    where.title = { contains: props.query.search, mode: 'insensitive' };
  }
  if (props.query.completed !== undefined) {
    where.completed_at = props.query.completed ? { not: null } : null;
  }
  if (props.query.due_before !== undefined || props.query.due_after !== undefined) {
    where.due_at = {
      ...(props.query.due_before !== undefined ? { lt: new Date(props.query.due_before) } : {}),
      ...(props.query.due_after !== undefined ? { gt: new Date(props.query.due_after) } : {}),
    };
  }
  const [rows, records] = await Promise.all([
    MyGlobal.prisma.todo_items.findMany({
      where,
      orderBy: { [props.query.sort ?? 'created_at']: props.query.direction ?? 'desc' },
      skip: (page - 1) * limit,
      take: limit,
    }),
    MyGlobal.prisma.todo_items.count({ where }),
  ]);
  return {
    pagination: { current: page, limit, records, pages: Math.ceil(records / limit) },
    data: rows.map(transformTodoItemSummary),
  };
}
