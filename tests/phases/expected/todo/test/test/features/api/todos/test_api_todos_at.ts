import { RandomGenerator, TestValidator } from "@nestia/e2e";
import { randomUUID } from "node:crypto";

import api, { IConnection } from "../../../../src/api";

/**
 * A member reads one of their items; an unknown id is not found.
 *
 * Reading an item returns exactly what creating it returned; an id that names no item of the member answers 404.
 *
 * 1. Join as a new member and create an item.
 * 2. Read it by id and compare it with the created item.
 * 3. Read a random id and expect a failure.
 *
 * @route GET /todos/{todoItemId}
 */
export async function test_api_todos_at(connection: IConnection): Promise<void> {
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
  const read = await api.functional.todos.at(authorized, item.id);
  TestValidator.equals("the item reads back as created", item, read);
  await TestValidator.error("an unknown item is not found", async () => {
    await api.functional.todos.at(authorized, randomUUID());
  });
}
