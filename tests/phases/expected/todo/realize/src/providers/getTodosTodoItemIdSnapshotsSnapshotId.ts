import { NotFoundException } from "@nestjs/common";

import { MyGlobal } from "../MyGlobal";
import { ITodoItemSnapshot } from "../api/structures/ITodoItemSnapshot";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoItemSnapshot } from "../transformers/transformTodoItemSnapshot";

/**
 * Read one snapshot of a todo item.
 *
 * Returns one snapshot of one of the member's items.
 *
 * @param props.member The authorized member
 * @param props.todoItemId Id of the todo item.
 * @param props.snapshotId Id of the snapshot.
 * @returns ITodoItemSnapshot
 * @route GET /todos/{todoItemId}/snapshots/{snapshotId}
 */
export async function getTodosTodoItemIdSnapshotsSnapshotId(props: {
  member: MemberPayload;
  todoItemId: string;
  snapshotId: string;
}): Promise<ITodoItemSnapshot> {
  const snapshot = await MyGlobal.prisma.todo_item_snapshots.findFirst({
    where: {
      id: props.snapshotId,
      todo_item_id: props.todoItemId,
      item: { todo_member_id: props.member.id },
    },
  });
  if (snapshot === null) {
    throw new NotFoundException('No such snapshot.');
  }
  return transformTodoItemSnapshot(snapshot);
}
