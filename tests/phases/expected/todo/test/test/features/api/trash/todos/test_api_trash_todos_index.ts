import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * The trash lists deleted items and the list no longer does.
 *
 * After deleting an item, the trash listing contains it and the normal listing does not.
 *
 * 1. Join as a new member, create an item and delete it.
 * 2. List the trash; the item is there.
 * 3. List the items; the item is not.
 *
 * @route GET /trash/todos
 */
export async function test_api_trash_todos_index(connection: IConnection): Promise<void> {
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
  const trash = await api.functional.trash.todos.index(authorized, {
    page: 1,
  });
  const list = await api.functional.todos.index(authorized, {});
  TestValidator.predicate("the trash lists the deleted item", trash.data.map((row) => row.id).includes(item.id));
  TestValidator.predicate("the list no longer shows it", !list.data.map((row) => row.id).includes(item.id));
}
