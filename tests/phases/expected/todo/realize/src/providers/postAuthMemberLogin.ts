import { UnauthorizedException } from "@nestjs/common";
import { v4 } from "uuid";

import { MyGlobal } from "../MyGlobal";
import { ITodoMember } from "../api/structures/ITodoMember";
import { JwtToken } from "../utils/JwtToken";
import { PasswordHasher } from "../utils/PasswordHasher";

/**
 * Log in with email and password.
 *
 * Opens a new session for a member whose password matches; logging in within 30 days of withdrawing cancels the withdrawal. Answers 401 on a wrong email or password, without saying which.
 *
 * @param props.body ITodoMember.ILogin
 * @returns ITodoMember.IAuthorized
 * @route POST /auth/member/login
 */
export async function postAuthMemberLogin(props: {
  body: ITodoMember.ILogin;
}): Promise<ITodoMember.IAuthorized> {
  const now = new Date();
  const member = await MyGlobal.prisma.todo_members.findFirst({
    where: {
      email: props.body.email.trim().toLowerCase(),
      OR: [{ deleted_at: null }, { deleted_at: { gt: new Date(now.getTime() - 30 * 24 * 60 * 60 * 1000) } }],
    },
  });
  if (member === null || !PasswordHasher.verify(props.body.password, member.password_hash)) {
    throw new UnauthorizedException('Wrong email or password.');
  }
  if (member.deleted_at !== null) {
    await MyGlobal.prisma.todo_members.update({
      where: { id: member.id },
      data: { deleted_at: null, updated_at: now },
    });
  }
  const sessionId = v4();
  const access = JwtToken.sign({ id: member.id, type: 'member' }, 60 * 60);
  const refresh = JwtToken.sign({ session_id: sessionId, type: 'member-refresh', nonce: v4() }, 14 * 24 * 60 * 60);
  await MyGlobal.prisma.todo_member_sessions.create({
    data: {
      id: sessionId,
      todo_member_id: member.id,
      refresh_token_hash: PasswordHasher.hash(refresh.token),
      ip: 'unknown',
      user_agent: null,
      created_at: now,
      expired_at: new Date(refresh.expired_at),
      revoked_at: null,
    },
  });
  return {
    id: member.id,
    email: member.email,
    nickname: member.nickname,
    created_at: member.created_at.toISOString(),
    token: {
      access: access.token,
      refresh: refresh.token,
      expired_at: access.expired_at,
      refreshable_until: refresh.expired_at,
    },
  };
}
