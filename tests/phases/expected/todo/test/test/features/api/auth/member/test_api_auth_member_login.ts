import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * A member logs in with the right password and is refused with a wrong one.
 *
 * Logging in with the email and password given when joining opens a new session for the same member; a wrong password is refused.
 *
 * 1. Join as a new member.
 * 2. Log in with the same email and password; check the member id and that a new access token came back.
 * 3. Log in with a wrong password and expect a failure.
 *
 * @route POST /auth/member/login
 */
export async function test_api_auth_member_login(connection: IConnection): Promise<void> {
  const member = await api.functional.auth.member.join(connection, {
    email: RandomGenerator.alphaNumeric(12) + "@example.com",
    password: "correct-horse-battery-42",
    nickname: RandomGenerator.name(),
  });
  const session = await api.functional.auth.member.login(connection, {
    email: member.email,
    password: "correct-horse-battery-42",
  });
  TestValidator.equals("the same member logs in", member.id, session.id);
  if (session.token.access === member.token.access) {
    throw new Error("a login must open a new session");
  }
  await TestValidator.error("a wrong password is refused", async () => {
    await api.functional.auth.member.login(connection, {
    email: member.email,
    password: "wrong-password",
  });
  });
}
