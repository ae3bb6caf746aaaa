import { fetcher } from "../../../fetcher";
import type { IConnection } from "../../../IConnection";
import type { ITodoMember } from "../../../structures/ITodoMember";

/**
 * Join as a new member.
 *
 * Creates a member account for an unused email, opens a session and returns the member with fresh tokens. Answers 409 when the email is taken.
 *
 * @param connection Server to call
 * @param body ITodoMember.IJoin
 * @returns ITodoMember.IAuthorized
 * @route POST /auth/member/join
 */
export async function join(connection: IConnection, body: ITodoMember.IJoin): Promise<ITodoMember.IAuthorized> {
  return fetcher<ITodoMember.IAuthorized>(connection, {
    method: "POST",
    path: `/auth/member/join`,
    body,
  });
}

/**
 * Log in with email and password.
 *
 * Opens a new session for a member whose password matches; logging in within 30 days of withdrawing cancels the withdrawal. Answers 401 on a wrong email or password, without saying which.
 *
 * @param connection Server to call
 * @param body ITodoMember.ILogin
 * @returns ITodoMember.IAuthorized
 * @route POST /auth/member/login
 */
export async function login(connection: IConnection, body: ITodoMember.ILogin): Promise<ITodoMember.IAuthorized> {
  return fetcher<ITodoMember.IAuthorized>(connection, {
    method: "POST",
    path: `/auth/member/login`,
    body,
  });
}

/**
 * Renew the access token.
 *
 * Exchanges a refresh token of a session that is neither expired nor revoked for new tokens. Answers 401 otherwise.
 *
 * @param connection Server to call
 * @param body ITodoMember.IRefresh
 * @returns ITodoMember.IAuthorized
 * @route POST /auth/member/refresh
 */
export async function refresh(connection: IConnection, body: ITodoMember.IRefresh): Promise<ITodoMember.IAuthorized> {
  return fetcher<ITodoMember.IAuthorized>(connection, {
    method: "POST",
    path: `/auth/member/refresh`,
    body,
  });
}
