/**
 * An edit history entry of a todo item, written by every change to it (create, update, complete, re-open, delete, restore) with the values the item had right after the change; what changed and the old values are in the entry before it.
 */
export type ITodoItemSnapshot = {
  /**
   * Primary key.
   *
   * @format uuid
   * @column todo_item_snapshots.id
   */
  id: string;

  /**
   * Short title.
   *
   * @minLength 1
   * @maxLength 200
   * @column todo_item_snapshots.title
   */
  title: string;

  /**
   * Optional longer notes.
   *
   * @column todo_item_snapshots.body
   */
  body: string | null;

  /**
   * Priority from 1 (lowest) to 5 (highest).
   *
   * @minimum 1
   * @maximum 5
   * @column todo_item_snapshots.priority
   */
  priority: number;

  /**
   * When the item is due, if it has a deadline.
   *
   * @format date-time
   * @column todo_item_snapshots.due_at
   */
  due_at: string | null;

  /**
   * When the item was completed; null while open.
   *
   * @format date-time
   * @column todo_item_snapshots.completed_at
   */
  completed_at: string | null;

  /**
   * When the item was moved to the trash; null while it was in the list.
   *
   * @format date-time
   * @column todo_item_snapshots.deleted_at
   */
  deleted_at: string | null;

  /**
   * When the change happened.
   *
   * @format date-time
   * @column todo_item_snapshots.created_at
   */
  created_at: string;
};

export namespace ITodoItemSnapshot {
  /**
   * Page of a snapshot list request.
   */
  export type IRequest = {
    /**
     * 1-based page number; 1 when omitted.
     *
     * @minimum 1
     */
    page?: number;

    /**
     * Snapshots per page; 20 when omitted.
     *
     * @minimum 1
     * @maximum 100
     */
    limit?: number;
  };
}
