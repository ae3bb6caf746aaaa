import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../src/api";

/**
 * A member creates an open todo item; a guest cannot.
 *
 * Creating stores the title and priority for the logged-in member and the item starts open; without an access token the route refuses.
 *
 * 1. Join as a new member and use the access token.
 * 2. Create an item with a random title and priority 4; check title, priority and that it is open.
 * 3. Create one without a token and expect a failure.
 *
 * @route POST /todos
 */
export async function test_api_todos_create(connection: IConnection): Promise<void> {
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
  const title = RandomGenerator.alphaNumeric(16);
  const item = await api.functional.todos.create(authorized, {
    title: title,
    priority: 4,
    body: RandomGenerator.paragraph(),
  });
  TestValidator.equals("the title is stored", title, item.title);
  TestValidator.equals("the priority is stored", 4, item.priority);
  TestValidator.predicate("a new item is open", item.completed_at === null);
  await TestValidator.error("a guest cannot create items", async () => {
    await api.functional.todos.create(connection, {
    title: title,
    priority: 4,
  });
  });
}
