import { MyGlobal } from "../MyGlobal";
import { ITodoItem } from "../api/structures/ITodoItem";
import { collectTodoItemCreate } from "../collectors/collectTodoItemCreate";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoItem } from "../transformers/transformTodoItem";

/**
 * Create a todo item.
 *
 * Creates an open item owned by the logged-in member.
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
  const created = await MyGlobal.prisma.todo_items.create({
    data: collectTodoItemCreate({ body: props.body, todo_member_id: props.member.id }),
  });
  return transformTodoItem(created);
}
