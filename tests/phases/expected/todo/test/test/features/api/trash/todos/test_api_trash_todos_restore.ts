import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * A deleted item is restored from the trash.
 *
 * Restoring takes the item out of the trash; it is readable again and has no deletion time.
 *
 * 1. Join as a new member, create an item and delete it.
 * 2. Restore it; check the id and that deleted_at is cleared.
 * 3. Read it again by id.
 *
 * @route POST /trash/todos/{todoItemId}/restore
 */
export async function test_api_trash_todos_restore(connection: IConnection): Promise<void> {
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
  const restored = await api.functional.trash.todos.restore(authorized, item.id);
  TestValidator.equals("the same item is restored", item.id, restored.id);
  TestValidator.predicate("a restored item is not deleted", restored.deleted_at === null);
  const read = await api.functional.todos.at(authorized, item.id);
  TestValidator.equals("the restored item is readable", item.title, read.title);
}
