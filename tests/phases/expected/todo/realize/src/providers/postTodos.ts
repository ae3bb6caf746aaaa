import { v4 } from "uuid";

import { MyGlobal } from "../MyGlobal";
import { ITodoItem } from "../api/structures/ITodoItem";
import { collectTodoItemCreate } from "../collectors/collectTodoItemCreate";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoItem } from "../transformers/transformTodoItem";

/**
 * Create a todo item.
 *
 * Creates an open item owned by the logged-in member, with its first history entry.
 *
 * @param props.member The authorized member
 * @param props.body ITodoItem.ICreate
 * @returns ITodoItem
 * @route POST /todos
 */
export async function postTodos(props: {
  member: MemberPayload;
  body: ITodoItem.ICreate;
}): Promise<ITodoItem> {
  const created = await MyGlobal.prisma.$transaction(async (tx) => {
    const item = await tx.todo_items.create({
      data: collectTodoItemCreate({ body: props.body, todo_member_id: props.member.id }),
    });
    await tx.todo_item_snapshots.create({
      data: {
        id: v4(),
        todo_item_id: item.id,
        title: item.title,
        body: item.body,
        priority: item.priority,
        due_at: item.due_at,
        completed_at: item.completed_at,
        deleted_at: item.deleted_at,
        created_at: item.created_at,
      },
    });
    return item;
  });
  return transformTodoItem(created);
}
