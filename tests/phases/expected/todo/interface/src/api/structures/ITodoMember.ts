import type { IAuthorizationToken } from "./IAuthorizationToken";

/**
 * A member's profile.
 */
export type ITodoMember = {
  /**
   * Primary key of the member.
   *
   * @format uuid
   * @column todo_members.id
   */
  id: string;

  /**
   * Login email address.
   *
   * @format email
   * @column todo_members.email
   */
  email: string;

  /**
   * Name shown to the member.
   *
   * @minLength 1
   * @maxLength 50
   * @column todo_members.nickname
   */
  nickname: string;

  /**
   * When the member joined.
   *
   * @format date-time
   * @column todo_members.created_at
   */
  created_at: string;

  /**
   * When the profile last changed.
   *
   * @format date-time
   * @column todo_members.updated_at
   */
  updated_at: string;
};

export namespace ITodoMember {
  /**
   * A member who just joined, logged in or refreshed, with the tokens to use.
   */
  export type IAuthorized = {
    /**
     * Primary key of the member.
     *
     * @format uuid
     * @column todo_members.id
     */
    id: string;

    /**
     * Login email address.
     *
     * @format email
     * @column todo_members.email
     */
    email: string;

    /**
     * Name shown to the member.
     *
     * @minLength 1
     * @maxLength 50
     * @column todo_members.nickname
     */
    nickname: string;

    /**
     * When the member joined.
     *
     * @format date-time
     * @column todo_members.created_at
     */
    created_at: string;

    /**
     * Access and refresh tokens of the new session.
     */
    token: IAuthorizationToken;
  };

  /**
   * What a guest sends to join.
   */
  export type IJoin = {
    /**
     * Login email address; must not be taken.
     *
     * @format email
     * @column todo_members.email
     */
    email: string;

    /**
     * Password of at least 8 characters with at least one letter and one digit; only its hash is stored.
     *
     * @format password
     * @minLength 8
     * @maxLength 100
     * @pattern ^(?=.*[A-Za-z])(?=.*[0-9]).*$
     */
    password: string;

    /**
     * Name shown to the member.
     *
     * @minLength 1
     * @maxLength 50
     * @column todo_members.nickname
     */
    nickname: string;
  };

  /**
   * Credentials of a member logging in.
   */
  export type ILogin = {
    /**
     * Login email address.
     *
     * @format email
     * @column todo_members.email
     */
    email: string;

    /**
     * The member's password.
     *
     * @format password
     * @minLength 1
     * @maxLength 100
     */
    password: string;
  };

  /**
   * A refresh token to exchange for new tokens.
   */
  export type IRefresh = {
    /**
     * Refresh token returned when the session was opened or last refreshed.
     *
     * @minLength 1
     */
    refresh_token: string;
  };

  /**
   * Changes to the member's profile.
   */
  export type IUpdate = {
    /**
     * New name shown to the member.
     *
     * @minLength 1
     * @maxLength 50
     * @column todo_members.nickname
     */
    nickname: string;
  };
}
