/**
 * What the access token of a logged-in member carries; `MemberAuth` hands it to controllers.
 */
export interface MemberPayload {
  /**
   * Primary key of the member.
   */
  id: string;

  /**
   * The kind of actor the token was issued to.
   */
  type: "member";
}
