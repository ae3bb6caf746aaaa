import { RandomGenerator, TestValidator } from "@nestia/e2e";
import { randomUUID } from "node:crypto";

import api, { IConnection } from "../../../../../src/api";

/**
 * One snapshot of an item can be read by id; an unknown one is not found.
 *
 * A snapshot listed in the history reads back identically by its id; a random id answers 404.
 *
 * 1. Join as a new member, create an item and rename it.
 * 2. List the snapshots and read the first one by id; compare.
 * 3. Read a random snapshot id and expect a failure.
 *
 * @route GET /todos/{todoItemId}/snapshots/{snapshotId}
 */
export async function test_api_todos_snapshots_at(connection: IConnection): Promise<void> {
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
  const history = await api.functional.todos.snapshots.index(authorized, item.id, {
    limit: 10,
  });
  const first = history.data[0];
  const snapshot = await api.functional.todos.snapshots.at(authorized, item.id, first.id);
  TestValidator.equals("the snapshot reads back as listed", first, snapshot);
  await TestValidator.error("an unknown snapshot is not found", async () => {
    await api.functional.todos.snapshots.at(authorized, item.id, randomUUID());
  });
}
