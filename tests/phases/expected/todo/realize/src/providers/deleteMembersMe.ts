import { NotFoundException } from "@nestjs/common";

import { MyGlobal } from "../MyGlobal";
import { MemberPayload } from "../decorators/payload/MemberPayload";

/**
 * Withdraw my account.
 *
 * Soft-deletes the logged-in member and revokes all of their sessions; the account is gone for good after 30 days unless the member logs in again before.
 *
 * @param props.member The authorized member
 * @route DELETE /members/me
 */
export async function deleteMembersMe(props: {
  member: MemberPayload;
}): Promise<void> {
  const member = await MyGlobal.prisma.todo_members.findFirst({
    where: { id: props.member.id, deleted_at: null },
  });
  if (member === null) {
    throw new NotFoundException('The member has already withdrawn.');
  }
  const now = new Date();
  await MyGlobal.prisma.$transaction([
    MyGlobal.prisma.todo_members.update({
      where: { id: member.id },
      data: { deleted_at: now, updated_at: now },
    }),
    MyGlobal.prisma.todo_member_sessions.updateMany({
      where: { todo_member_id: member.id, revoked_at: null },
      data: { revoked_at: now },
    }),
  ]);
}
