import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * A guest joins as a member and receives tokens; the same email cannot join twice, nor can a password without a digit.
 *
 * Joining creates the member with the given email and nickname and opens a session whose access and refresh tokens come back; a second join with an email already taken is refused, and so is a password without both a letter and a digit.
 *
 * 1. Pick a random email and join with it, a password and a nickname.
 * 2. Check the returned email and nickname and that an access token was issued.
 * 3. Join again with the same email and expect the call to fail.
 * 4. Join with a new email and a password of letters only and expect the call to fail.
 *
 * @route POST /auth/member/join
 */
export async function test_api_auth_member_join(connection: IConnection): Promise<void> {
  const email = RandomGenerator.alphaNumeric(12) + "@example.com";
  const nickname = RandomGenerator.name();
  const member = await api.functional.auth.member.join(connection, {
    email: email,
    password: "correct-horse-battery-42",
    nickname: nickname,
  });
  TestValidator.equals("the email is stored", email, member.email);
  TestValidator.equals("the nickname is stored", nickname, member.nickname);
  TestValidator.predicate("an access token is issued", member.token.access.length > 0);
  await TestValidator.error("an email joins only once", async () => {
    await api.functional.auth.member.join(connection, {
    email: email,
    password: "another-password-7",
    nickname: RandomGenerator.name(),
  });
  });
  await TestValidator.error("a password needs a letter and a digit", async () => {
    await api.functional.auth.member.join(connection, {
    email: RandomGenerator.alphaNumeric(12) + "@example.com",
    password: "letters-only-password",
    nickname: RandomGenerator.name(),
  });
  });
}
