import { Prisma } from "@prisma/client";
import { v4 } from "uuid";

import { ITodoMember } from "../api/structures/ITodoMember";
import { PasswordHasher } from "../utils/PasswordHasher";

/**
 * The `todo_members` row to create from the request body ITodoMember.IJoin.
 *
 * What a guest sends to join.
 */
export function collectTodoMemberJoin(props: {
  body: ITodoMember.IJoin;
}): Prisma.todo_membersUncheckedCreateInput {
  const now = new Date();
  return {
    id: v4(),
    email: props.body.email.trim().toLowerCase(),
    password_hash: PasswordHasher.hash(props.body.password),
    nickname: props.body.nickname.trim(),
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
}
