import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * A member changes their nickname.
 *
 * Updating the profile stores the new nickname, which later reads return; a guest cannot update anything.
 *
 * 1. Join as a new member and use the access token.
 * 2. Update the nickname to a new random one and check the answer.
 * 3. Read the profile again and check the nickname stuck.
 * 4. Update without a token and expect a failure.
 *
 * @route PUT /members/me
 */
export async function test_api_members_me_update(connection: IConnection): Promise<void> {
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
  const nickname = RandomGenerator.name();
  const updated = await api.functional.members.me.update(authorized, {
    nickname: nickname,
  });
  TestValidator.equals("the answer has the new nickname", nickname, updated.nickname);
  const me = await api.functional.members.me.at(authorized);
  TestValidator.equals("the new nickname is stored", nickname, me.nickname);
  await TestValidator.error("a guest cannot update a profile", async () => {
    await api.functional.members.me.update(connection, {
    nickname: RandomGenerator.name(),
  });
  });
}
