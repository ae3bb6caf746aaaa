import { UnauthorizedException } from "@nestjs/common";
import { v4 } from "uuid";

import { MyGlobal } from "../MyGlobal";
import { ITodoMember } from "../api/structures/ITodoMember";
import { JwtToken } from "../utils/JwtToken";
import { PasswordHasher } from "../utils/PasswordHasher";

/**
 * Renew the access token.
 *
 * Exchanges a refresh token of a session that is neither expired nor revoked for new tokens. Answers 401 otherwise.
 *
 * @param props.body ITodoMember.IRefresh
 * @returns ITodoMember.IAuthorized
 * @route POST /auth/member/refresh
 */
export async function postAuthMemberRefresh(props: {
  body: ITodoMember.IRefresh;
}): Promise<ITodoMember.IAuthorized> {
  const claims = JwtToken.verify(props.body.refresh_token);
  if (claims.type !== 'member-refresh' || typeof claims.session_id !== 'string') {
    throw new UnauthorizedException('Not a refresh token.');
  }
  const session = await MyGlobal.prisma.todo_member_sessions.findFirst({
    where: { id: claims.session_id, revoked_at: null, expired_at: { gt: new Date() } },
    include: { member: true },
  });
  if (
    session === null ||
    session.member.deleted_at !== null ||
    !PasswordHasher.verify(props.body.refresh_token, session.refresh_token_hash)
  ) {
    throw new UnauthorizedException('The session has ended.');
  }
  const access = JwtToken.sign({ id: session.member.id, type: 'member' }, 60 * 60);
  const refresh = JwtToken.sign({ session_id: session.id, type: 'member-refresh', nonce: v4() }, 14 * 24 * 60 * 60);
  await MyGlobal.prisma.todo_member_sessions.update({
    where: { id: session.id },
    data: {
      refresh_token_hash: PasswordHasher.hash(refresh.token),
      expired_at: new Date(refresh.expired_at),
    },
  });
  return {
    id: session.member.id,
    email: session.member.email,
    nickname: session.member.nickname,
    created_at: session.member.created_at.toISOString(),
    token: {
      access: access.token,
      refresh: refresh.token,
      expired_at: access.expired_at,
      refreshable_until: refresh.expired_at,
    },
  };
}
