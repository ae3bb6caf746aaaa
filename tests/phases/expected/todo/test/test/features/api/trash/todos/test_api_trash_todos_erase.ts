import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../../src/api";

/**
 * Erasing an item from the trash removes it for good.
 *
 * An item erased from the trash can no longer be restored.
 *
 * 1. Join as a new member, create an item and delete it.
 * 2. Erase it from the trash.
 * 3. Restoring it now fails.
 *
 * @route DELETE /trash/todos/{todoItemId}
 */
export async function test_api_trash_todos_erase(connection: IConnection): Promise<void> {
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
  await api.functional.trash.todos.erase(authorized, item.id);
  await TestValidator.error("an erased item cannot be restored", async () => {
    await api.functional.trash.todos.restore(authorized, item.id);
  });
}
