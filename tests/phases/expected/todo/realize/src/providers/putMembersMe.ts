import { NotFoundException } from "@nestjs/common";

import { MyGlobal } from "../MyGlobal";
import { ITodoMember } from "../api/structures/ITodoMember";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoMember } from "../transformers/transformTodoMember";

/**
 * Update my profile.
 *
 * Changes the logged-in member's nickname and returns the updated profile.
 *
 * @param props.member The authorized member
 * @param props.body ITodoMember.IUpdate
 * @returns ITodoMember
 * @route PUT /members/me
 */
export async function putMembersMe(props: {
  member: MemberPayload;
  body: ITodoMember.IUpdate;
}): Promise<ITodoMember> {
  const found = await MyGlobal.prisma.todo_members.findFirst({
    where: { id: props.member.id, deleted_at: null },
  });
  if (found === null) {
    throw new NotFoundException('The member has withdrawn.');
  }
  const updated = await MyGlobal.prisma.todo_members.update({
    where: { id: found.id },
    data: { nickname: props.body.nickname.trim(), updated_at: new Date() },
  });
  return transformTodoMember(updated);
}
