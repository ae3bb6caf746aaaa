import { Body, Controller, Post } from "@nestjs/common";
import { ITodoMember } from "../../../api/structures/ITodoMember";
import { postAuthMemberJoin } from "../../../providers/postAuthMemberJoin";
import { postAuthMemberLogin } from "../../../providers/postAuthMemberLogin";
import { postAuthMemberRefresh } from "../../../providers/postAuthMemberRefresh";
import { RequestValidation } from "../../../utils/RequestValidation";
import { toHttpException } from "../../../utils/toHttpException";

/**
 * Routes of api.functional.auth.member: POST /auth/member/join, POST /auth/member/login, POST /auth/member/refresh.
 */
@Controller("auth/member")
export class AuthMemberController {
  /**
   * Join as a new member.
   *
   * Creates a member account for an unused email, opens a session and returns the member with fresh tokens. Answers 409 when the email is taken.
   *
   * @param body ITodoMember.IJoin
   * @returns ITodoMember.IAuthorized
   * @route POST /auth/member/join
   */
  @Post("join")
  public async join(
    @Body(new RequestValidation("body", "ITodoMember.IJoin")) body: ITodoMember.IJoin,
  ): Promise<ITodoMember.IAuthorized> {
    try {
      return await postAuthMemberJoin({ body });
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /**
   * Log in with email and password.
   *
   * Opens a new session for a member whose password matches; logging in within 30 days of withdrawing cancels the withdrawal. Answers 401 on a wrong email or password, without saying which.
   *
   * @param body ITodoMember.ILogin
   * @returns ITodoMember.IAuthorized
   * @route POST /auth/member/login
   */
  @Post("login")
  public async login(
    @Body(new RequestValidation("body", "ITodoMember.ILogin")) body: ITodoMember.ILogin,
  ): Promise<ITodoMember.IAuthorized> {
    try {
      return await postAuthMemberLogin({ body });
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /**
   * Renew the access token.
   *
   * Exchanges a refresh token of a session that is neither expired nor revoked for new tokens. Answers 401 otherwise.
   *
   * @param body ITodoMember.IRefresh
   * @returns ITodoMember.IAuthorized
   * @route POST /auth/member/refresh
   */
  @Post("refresh")
  public async refresh(
    @Body(new RequestValidation("body", "ITodoMember.IRefresh")) body: ITodoMember.IRefresh,
  ): Promise<ITodoMember.IAuthorized> {
    try {
      return await postAuthMemberRefresh({ body });
    } catch (error) {
      throw toHttpException(error);
    }
  }
}
