/**
 * Tokens of a session: send the access token as 'Authorization: Bearer <access>'.
 */
export type IAuthorizationToken = {
  /**
   * Access token for the Authorization header.
   */
  access: string;

  /**
   * Refresh token for POST /auth/member/refresh.
   */
  refresh: string;

  /**
   * When the access token expires.
   *
   * @format date-time
   */
  expired_at: string;

  /**
   * When the refresh token expires.
   *
   * @format date-time
   * @column todo_member_sessions.expired_at
   */
  refreshable_until: string;
};
