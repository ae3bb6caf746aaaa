import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../src/api";

/**
 * Deleting an item moves it to the trash.
 *
 * A deleted item is no longer readable from the list but shows up in the trash.
 *
 * 1. Join as a new member and create an item.
 * 2. Delete it.
 * 3. Reading it now fails, and the trash lists it.
 *
 * @route DELETE /todos/{todoItemId}
 */
export async function test_api_todos_erase(connection: IConnection): Promise<void> {
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
  const item = await api.functional.todos.create(authorized, {
    title: RandomGenerator.alphaNumeric(16),
    priority: 1 + Math.floor(Math.random() * 5),
  });
  await api.functional.todos.erase(authorized, item.id);
  await TestValidator.error("a deleted item is not readable", async () => {
    await api.functional.todos.at(authorized, item.id);
  });
  const trash = await api.functional.trash.todos.index(authorized, {});
  TestValidator.equals("the trash holds the item", 1, trash.data.filter((row) => row.id === item.id).length);
}
