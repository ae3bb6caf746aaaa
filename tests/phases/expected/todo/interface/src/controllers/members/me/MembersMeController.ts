import { Body, Controller, Delete, Get, Put } from "@nestjs/common";
import { ITodoMember } from "../../../api/structures/ITodoMember";
import { MemberAuth } from "../../../decorators/MemberAuth";
import { MemberPayload } from "../../../decorators/payload/MemberPayload";
import { deleteMembersMe } from "../../../providers/deleteMembersMe";
import { getMembersMe } from "../../../providers/getMembersMe";
import { putMembersMe } from "../../../providers/putMembersMe";
import { RequestValidation } from "../../../utils/RequestValidation";
import { toHttpException } from "../../../utils/toHttpException";

/**
 * Routes of api.functional.members.me: GET /members/me, PUT /members/me, DELETE /members/me.
 */
@Controller("members/me")
export class MembersMeController {
  /**
   * Read my account.
   *
   * Returns the logged-in member's profile.
   *
   * @param member The authorized member
   * @returns ITodoMember
   * @route GET /members/me
   */
  @Get()
  public async at(
    @MemberAuth() member: MemberPayload,
  ): Promise<ITodoMember> {
    try {
      return await getMembersMe({ member });
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /**
   * Update my profile.
   *
   * Changes the logged-in member's nickname and returns the updated profile.
   *
   * @param member The authorized member
   * @param body ITodoMember.IUpdate
   * @returns ITodoMember
   * @route PUT /members/me
   */
  @Put()
  public async update(
    @MemberAuth() member: MemberPayload,
    @Body(new RequestValidation("body", "ITodoMember.IUpdate")) body: ITodoMember.IUpdate,
  ): Promise<ITodoMember> {
    try {
      return await putMembersMe({ member, body });
    } catch (error) {
      throw toHttpException(error);
    }
  }

  /**
   * Withdraw my account.
   *
   * Soft-deletes the logged-in member and revokes all of their sessions; the account is gone for good after 30 days unless the member logs in again before.
   *
   * @param member The authorized member
   * @route DELETE /members/me
   */
  @Delete()
  public async erase(
    @MemberAuth() member: MemberPayload,
  ): Promise<void> {
    try {
      return await deleteMembersMe({ member });
    } catch (error) {
      throw toHttpException(error);
    }
  }
}
