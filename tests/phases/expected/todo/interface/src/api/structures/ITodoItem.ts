/**
 * A todo item of the logged-in member.
 */
export type ITodoItem = {
  /**
   * Primary key.
   *
   * @format uuid
   * @column todo_items.id
   */
  id: string;

  /**
   * Short title.
   *
   * @minLength 1
   * @maxLength 200
   * @column todo_items.title
   */
  title: string;

  /**
   * Optional longer notes.
   *
   * @column todo_items.body
   */
  body: string | null;

  /**
   * Priority from 1 (lowest) to 5 (highest).
   *
   * @minimum 1
   * @maximum 5
   * @column todo_items.priority
   */
  priority: number;

  /**
   * When the item is due, if it has a deadline.
   *
   * @format date-time
   * @column todo_items.due_at
   */
  due_at: string | null;

  /**
   * When the item was completed; null while open.
   *
   * @format date-time
   * @column todo_items.completed_at
   */
  completed_at: string | null;

  /**
   * When the item was created.
   *
   * @format date-time
   * @column todo_items.created_at
   */
  created_at: string;

  /**
   * When the item was last updated.
   *
   * @format date-time
   * @column todo_items.updated_at
   */
  updated_at: string;

  /**
   * When the item was moved to the trash; null while it is in the list.
   *
   * @format date-time
   * @column todo_items.deleted_at
   */
  deleted_at: string | null;
};

export namespace ITodoItem {
  /**
   * A new todo item.
   */
  export type ICreate = {
    /**
     * Short title.
     *
     * @minLength 1
     * @maxLength 200
     * @column todo_items.title
     */
    title: string;

    /**
     * Optional longer notes, up to 5,000 characters.
     *
     * @maxLength 5000
     * @column todo_items.body
     */
    body?: string | null;

    /**
     * Priority from 1 (lowest) to 5 (highest); 3 (normal) when omitted.
     *
     * @minimum 1
     * @maximum 5
     * @column todo_items.priority
     */
    priority?: number;

    /**
     * When the item is due, if it has a deadline.
     *
     * @format date-time
     * @column todo_items.due_at
     */
    due_at?: string | null;
  };

  /**
   * Filters, sort order and page of a todo list request; every filter is optional.
   */
  export type IRequest = {
    /**
     * Keyword matched against titles.
     *
     * @maxLength 100
     */
    search?: string;

    /**
     * true: only completed items; false: only open items.
     */
    completed?: boolean;

    /**
     * Only items due before this time.
     *
     * @format date-time
     */
    due_before?: string;

    /**
     * Only items due after this time.
     *
     * @format date-time
     */
    due_after?: string;

    /**
     * Field to sort by; created_at when omitted.
     */
    sort?: "created_at" | "due_at" | "priority";

    /**
     * Sort direction; desc when omitted.
     */
    direction?: "asc" | "desc";

    /**
     * 1-based page number; 1 when omitted.
     *
     * @minimum 1
     */
    page?: number;

    /**
     * Items per page; 20 when omitted.
     *
     * @minimum 1
     * @maximum 100
     */
    limit?: number;
  };

  /**
   * A todo item as listed.
   */
  export type ISummary = {
    /**
     * Primary key.
     *
     * @format uuid
     * @column todo_items.id
     */
    id: string;

    /**
     * Short title.
     *
     * @column todo_items.title
     */
    title: string;

    /**
     * Priority from 1 (lowest) to 5 (highest).
     *
     * @minimum 1
     * @maximum 5
     * @column todo_items.priority
     */
    priority: number;

    /**
     * When the item is due, if it has a deadline.
     *
     * @format date-time
     * @column todo_items.due_at
     */
    due_at: string | null;

    /**
     * When the item was completed; null while open.
     *
     * @format date-time
     * @column todo_items.completed_at
     */
    completed_at: string | null;

    /**
     * When the item was created.
     *
     * @format date-time
     * @column todo_items.created_at
     */
    created_at: string;
  };

  /**
   * Changes to a todo item; omitted properties keep their value.
   */
  export type IUpdate = {
    /**
     * New title.
     *
     * @minLength 1
     * @maxLength 200
     * @column todo_items.title
     */
    title?: string;

    /**
     * New notes, up to 5,000 characters; null clears them.
     *
     * @maxLength 5000
     * @column todo_items.body
     */
    body?: string | null;

    /**
     * New priority from 1 to 5.
     *
     * @minimum 1
     * @maximum 5
     * @column todo_items.priority
     */
    priority?: number;

    /**
     * New due time; null removes the deadline.
     *
     * @format date-time
     * @column todo_items.due_at
     */
    due_at?: string | null;

    /**
     * true completes the item, false reopens it.
     */
    completed?: boolean;
  };
}
