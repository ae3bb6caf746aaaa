import { NotFoundException } from "@nestjs/common";

import { MyGlobal } from "../MyGlobal";
import { ITodoMember } from "../api/structures/ITodoMember";
import { MemberPayload } from "../decorators/payload/MemberPayload";
import { transformTodoMember } from "../transformers/transformTodoMember";

/**
 * Read my account.
 *
 * Returns the logged-in member's profile.
 *
 * @param props.member The authorized member
 * @returns ITodoMember
 * @route GET /members/me
 */
export async function getMembersMe(props: {
  member: MemberPayload;
}): Promise<ITodoMember> {
  const member = await MyGlobal.prisma.todo_members.findFirst({
    where: { id: props.member.id, deleted_at: null },
  });
  if (member === null) {
    throw new NotFoundException('The member has withdrawn.');
  }
  return transformTodoMember(member);
}
