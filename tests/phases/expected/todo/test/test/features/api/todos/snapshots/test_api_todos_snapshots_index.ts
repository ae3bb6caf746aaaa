import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * Creating and updating an item each leave a history entry, newest first.
 *
 * After creating an item and renaming it once, its history holds two entries; the newest has the new title, the one before it the title the item was created with.
 *
 * 1. Join as a new member and create an item.
 * 2. Rename it once.
 * 3. List its history; there are two entries, the renamed one first, then the original one.
 *
 * @route GET /todos/{todoItemId}/snapshots
 */
export async function test_api_todos_snapshots_index(connection: IConnection): Promise<void> {
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
  await api.functional.todos.update(authorized, item.id, {
    title: "Renamed",
  });
  const history = await api.functional.todos.snapshots.index(authorized, item.id, {});
  TestValidator.equals("the create and the update each wrote an entry", 2, history.data.length);
  TestValidator.equals("the newest entry has the new title", "Renamed", history.data[0].title);
  TestValidator.equals("the entry before it has the original title", item.title, history.data[1].title);
}
