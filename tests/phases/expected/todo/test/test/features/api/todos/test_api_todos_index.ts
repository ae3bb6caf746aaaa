import { RandomGenerator, TestValidator } from "@nestia/e2e";

import api, { IConnection } from "../../../../src/api";

/**
 * A member's list shows their open items, found by keyword.
 *
 * Listing with a search keyword returns the matching items of the logged-in member as summaries on the first page.
 *
 * 1. Join as a new member and create an item.
 * 2. List items searching for the item's title.
 * 3. Check the item is on the first page and every row is a summary with a title.
 *
 * @route GET /todos
 */
export async function test_api_todos_index(connection: IConnection): Promise<void> {
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
  const page = await api.functional.todos.index(authorized, {
    search: item.title,
  });
  TestValidator.equals("the first page comes back", 1, page.pagination.current);
  const ids = page.data.map((row) => row.id);
  TestValidator.predicate("the created item is listed", ids.includes(item.id));
  page.data.forEach((row) => TestValidator.predicate("every row has a title", (typeof row.title) === "string"));
}
