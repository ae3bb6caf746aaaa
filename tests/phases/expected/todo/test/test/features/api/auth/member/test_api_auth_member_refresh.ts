import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * A refresh token buys new tokens for the same member; garbage does not.
 *
 * Exchanging the refresh token issued at join returns the same member with fresh tokens; a token that was never issued is refused.
 *
 * 1. Join as a new member.
 * 2. Refresh with the refresh token; check the member id and that a new access token came back.
 * 3. Refresh with a made-up token and expect a failure.
 *
 * @route POST /auth/member/refresh
 */
export async function test_api_auth_member_refresh(connection: IConnection): Promise<void> {
  const member = await api.functional.auth.member.join(connection, {
    email: RandomGenerator.alphaNumeric(12) + "@example.com",
    password: "correct-horse-battery-42",
    nickname: RandomGenerator.name(),
  });
  const refreshed = await api.functional.auth.member.refresh(connection, {
    refresh_token: member.token.refresh,
  });
  TestValidator.equals("the same member is refreshed", member.id, refreshed.id);
  TestValidator.notEquals("the refresh token is rotated", member.token.refresh, refreshed.token.refresh);
  await TestValidator.error("an unknown refresh token is refused", async () => {
    await api.functional.auth.member.refresh(connection, {
    refresh_token: RandomGenerator.alphaNumeric(32),
  });
  });
}
