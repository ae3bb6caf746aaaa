import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * A member withdraws and can no longer log in.
 *
 * Withdrawing ends the membership; logging in with the old credentials is then refused.
 *
 * 1. Join as a new member and use the access token.
 * 2. Withdraw.
 * 3. Log in with the same email and password and expect a failure.
 *
 * @route DELETE /members/me
 */
export async function test_api_members_me_erase(connection: IConnection): Promise<void> {
  const member = await api.functional.auth.member.join(connection, {
    email: RandomGenerator.alphaNumeric(12) + "@example.com",
    password: "correct-horse-battery",
    nickname: RandomGenerator.name(),
  });
  const authorized = {
    host: connection.host,
    headers: {
      Authorization: "Bearer " + member.token.access,
    },
  };
  await api.functional.members.me.erase(authorized);
  await TestValidator.error("a withdrawn member cannot log in", async () => {
    await api.functional.auth.member.login(connection, {
    email: member.email,
    password: "correct-horse-battery",
  });
  });
}
