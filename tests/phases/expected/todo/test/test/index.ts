import { IConnection } from "../src/api";
import { test_api_auth_member_join } from "./features/api/auth/member/test_api_auth_member_join";
import { test_api_auth_member_login } from "./features/api/auth/member/test_api_auth_member_login";
import { test_api_auth_member_refresh } from "./features/api/auth/member/test_api_auth_member_refresh";
import { test_api_members_me_at } from "./features/api/members/me/test_api_members_me_at";
import { test_api_members_me_erase } from "./features/api/members/me/test_api_members_me_erase";
import { test_api_members_me_update } from "./features/api/members/me/test_api_members_me_update";
import { test_api_todos_at } from "./features/api/todos/test_api_todos_at";
import { test_api_todos_create } from "./features/api/todos/test_api_todos_create";
import { test_api_todos_erase } from "./features/api/todos/test_api_todos_erase";
import { test_api_todos_index } from "./features/api/todos/test_api_todos_index";
import { test_api_todos_snapshots_at } from "./features/api/todos/snapshots/test_api_todos_snapshots_at";
import { test_api_todos_snapshots_index } from "./features/api/todos/snapshots/test_api_todos_snapshots_index";
import { test_api_todos_update } from "./features/api/todos/test_api_todos_update";
import { test_api_trash_todos_erase } from "./features/api/trash/todos/test_api_trash_todos_erase";
import { test_api_trash_todos_index } from "./features/api/trash/todos/test_api_trash_todos_index";
import { test_api_trash_todos_restore } from "./features/api/trash/todos/test_api_trash_todos_restore";

type Test = (connection: IConnection) => Promise<void>;

/**
 * Runs every e2e test against the server at TEST_HOST (http://localhost:3000 when unset); the
 * exit code is 1 when any test fails.
 */
async function main(): Promise<void> {
  const host = process.env.TEST_HOST ?? "http://localhost:3000";
  const tests: Array<[string, Test]> = [
    ["test_api_auth_member_join", test_api_auth_member_join],
    ["test_api_auth_member_login", test_api_auth_member_login],
    ["test_api_auth_member_refresh", test_api_auth_member_refresh],
    ["test_api_members_me_at", test_api_members_me_at],
    ["test_api_members_me_erase", test_api_members_me_erase],
    ["test_api_members_me_update", test_api_members_me_update],
    ["test_api_todos_at", test_api_todos_at],
    ["test_api_todos_create", test_api_todos_create],
    ["test_api_todos_erase", test_api_todos_erase],
    ["test_api_todos_index", test_api_todos_index],
    ["test_api_todos_snapshots_at", test_api_todos_snapshots_at],
    ["test_api_todos_snapshots_index", test_api_todos_snapshots_index],
    ["test_api_todos_update", test_api_todos_update],
    ["test_api_trash_todos_erase", test_api_trash_todos_erase],
    ["test_api_trash_todos_index", test_api_trash_todos_index],
    ["test_api_trash_todos_restore", test_api_trash_todos_restore],
  ];
  let failed = 0;
  for (const [name, run] of tests) {
    try {
      await run({ host, headers: {} });
      console.log(`passed ${name}`);
    } catch (error) {
      failed += 1;
      console.error(`FAILED ${name}`, error);
    }
  }
  console.log(`${tests.length - failed} of ${tests.length} tests passed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

void main();
