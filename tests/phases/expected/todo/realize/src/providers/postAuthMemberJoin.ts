import { v4 } from "uuid";

import { MyGlobal } from "../MyGlobal";
import { ITodoMember } from "../api/structures/ITodoMember";
import { collectTodoMemberJoin } from "../collectors/collectTodoMemberJoin";
import { JwtToken } from "../utils/JwtToken";
import { PasswordHasher } from "../utils/PasswordHasher";

/**
 * Join as a new member.
 *
 * Creates a member account for an unused email, opens a session and returns the member with fresh tokens. Answers 409 when the email is taken.
 *
 * @param props.body ITodoMember.IJoin
 * @returns ITodoMember.IAuthorized
 * @route POST /auth/member/join
 */
export async function postAuthMemberJoin(props: {
  body: ITodoMember.IJoin;
}): Promise<ITodoMember.IAuthorized> {
  const member = await MyGlobal.prisma.todo_members.create({
    data: collectTodoMemberJoin({ body: props.body }),
  });
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
      created_at: new Date(),
      expired_at: new Date(refresh.expired_at),
      revoked_at: null,
    },
  });
  const result: ITodoMember.IAuthorized = {
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
  return result;
}
