import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * Every update of an item leaves a snapshot of its previous values.
 *
 * After one update the item's history holds one snapshot with the values before the update.
 *
 * 1. Join as a new member and create an item.
 * 2. Rename it once.
 * 3. List its snapshots; there is one, with the old title.
 *
 * @route GET /todos/{todoItemId}/snapshots
 */
export async function test_api_todos_snapshots_index(connection: IConnection): Promise<void> {
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
  const item = await api.functional.todos.create(authorized, {
    title: RandomGenerator.alphaNumeric(16),
    priority: 1 + Math.floor(Math.random() * 5),
  });
  await api.functional.todos.update(authorized, item.id, {
    title: "Renamed",
  });
  const history = await api.functional.todos.snapshots.index(authorized, item.id, {});
  if (history.data.length === 0) {
    throw new Error("the update recorded no snapshot");
  }
  TestValidator.equals("the snapshot keeps the old title", item.title, history.data[0].title);
}
