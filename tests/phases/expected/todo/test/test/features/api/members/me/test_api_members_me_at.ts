import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * A member reads their own profile; a guest cannot.
 *
 * The profile of the logged-in member comes back with the id and nickname given at join; without an access token the route answers 401.
 *
 * 1. Join as a new member and use the access token.
 * 2. Read the profile and compare it with the joined member.
 * 3. Read it without a token and expect a failure.
 *
 * @route GET /members/me
 */
export async function test_api_members_me_at(connection: IConnection): Promise<void> {
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
  const me = await api.functional.members.me.at(authorized);
  TestValidator.equals("the profile is the member's", member.id, me.id);
  TestValidator.equals("the nickname is the one given at join", member.nickname, me.nickname);
  await TestValidator.error("a guest has no profile", async () => {
    await api.functional.members.me.at(connection);
  });
}
