import { fetcher } from "../../../fetcher";
import type { IConnection } from "../../../IConnection";
import type { ITodoMember } from "../../../structures/ITodoMember";

/**
 * Read my account.
 *
 * Returns the logged-in member's profile.
 *
 * @param connection Server to call
 * @returns ITodoMember
 * @route GET /members/me
 */
export async function at(connection: IConnection): Promise<ITodoMember> {
  return fetcher<ITodoMember>(connection, {
    method: "GET",
    path: `/members/me`,
  });
}

/**
 * Update my profile.
 *
 * Changes the logged-in member's nickname and returns the updated profile.
 *
 * @param connection Server to call
 * @param body ITodoMember.IUpdate
 * @returns ITodoMember
 * @route PUT /members/me
 */
export async function update(connection: IConnection, body: ITodoMember.IUpdate): Promise<ITodoMember> {
  return fetcher<ITodoMember>(connection, {
    method: "PUT",
    path: `/members/me`,
    body,
  });
}

/**
 * Withdraw my account.
 *
 * Soft-deletes the logged-in member and revokes all of their sessions; the account is gone for good after 30 days unless the member logs in again before.
 *
 * @param connection Server to call
 * @route DELETE /members/me
 */
export async function erase(connection: IConnection): Promise<void> {
  return fetcher<void>(connection, {
    method: "DELETE",
    path: `/members/me`,
  });
}
