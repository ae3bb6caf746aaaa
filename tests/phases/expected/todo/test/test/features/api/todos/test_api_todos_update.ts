import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../src/api";

/**
 * A member completes an item and raises its priority.
 *
 * Updating applies only the given changes; completing sets completed_at.
 *
 * 1. Join as a new member and create an item.
 * 2. Update it as completed with priority 5.
 * 3. Check the priority, that completed_at is set and that the title is unchanged.
 *
 * @route PUT /todos/{todoItemId}
 */
export async function test_api_todos_update(connection: IConnection): Promise<void> {
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
  const updated = await api.functional.todos.update(authorized, item.id, {
    completed: true,
    priority: 5,
  });
  TestValidator.equals("the priority is changed", 5, updated.priority);
  TestValidator.equals("the title is kept", item.title, updated.title);
  TestValidator.predicate("a completed item has a completion time", updated.completed_at !== null);
}
