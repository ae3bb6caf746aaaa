import { todo_members } from "@prisma/client";

import { ITodoMember } from "../api/structures/ITodoMember";

/**
 * The ITodoMember of a `todo_members` row.
 *
 * A member's profile.
 */
export function transformTodoMember(row: todo_members): ITodoMember {
  return {
    id: row.id,
    email: row.email,
    nickname: row.nickname,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
