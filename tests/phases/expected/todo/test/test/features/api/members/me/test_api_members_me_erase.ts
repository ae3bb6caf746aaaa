import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * A member withdraws, and logging in again within 30 days cancels the withdrawal.
 *
 * Withdrawing ends the membership, so the profile is gone; logging in with the same credentials during the next 30 days brings the account back with its profile.
 *
 * 1. Join as a new member and use the access token.
 * 2. Withdraw, then expect reading the profile to fail.
 * 3. Log in with the same email and password; check it is the same member and read the profile with the new access token.
 *
 * @route DELETE /members/me
 */
export async function test_api_members_me_erase(connection: IConnection): Promise<void> {
  const member = await api.functional.auth.member.join(connection, {
    email: RandomGenerator.alphaNumeric(12) + "@example.com",
    password: "correct-horse-battery-42",
    nickname: RandomGenerator.name(),
  });
  const authorized = {
    host: connection.host,
    headers: {
      Authorization: "Bearer " + member.token.access,
    },
  };
  await api.functional.members.me.erase(authorized);
  await TestValidator.error("a withdrawn member has no profile", async () => {
    await api.functional.members.me.at(authorized);
  });
  const back = await api.functional.auth.member.login(connection, {
    email: member.email,
    password: "correct-horse-battery-42",
  });
  TestValidator.equals("logging in brings the same member back", member.id, back.id);
  const returned = {
    host: connection.host,
    headers: {
      Authorization: "Bearer " + back.token.access,
    },
  };
  const me = await api.functional.members.me.at(returned);
  TestValidator.equals("the profile is back", member.nickname, me.nickname);
}
