import { Module } from "@nestjs/common";

import { AuthMemberController } from "./controllers/auth/member/AuthMemberController";
import { MembersMeController } from "./controllers/members/me/MembersMeController";
import { TodosController } from "./controllers/todos/TodosController";
import { TodosSnapshotsController } from "./controllers/todos/snapshots/TodosSnapshotsController";
import { TrashTodosController } from "./controllers/trash/todos/TrashTodosController";

/**
 * Registers every generated controller; the application's root module imports it.
 */
@Module({
  controllers: [
    AuthMemberController,
    MembersMeController,
    TodosController,
    TodosSnapshotsController,
    TrashTodosController,
  ],
})
export class ApiModule {}
