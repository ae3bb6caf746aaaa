import { ExecutionContext, ForbiddenException, createParamDecorator } from "@nestjs/common";

import { JwtToken } from "../utils/JwtToken";
import { MemberPayload } from "./payload/MemberPayload";

/**
 * Parameter decorator of the routes only a logged-in member may call: yields the payload of the
 * bearer access token; 401 without a valid token, 403 for a token issued to another actor.
 */
export const MemberAuth = createParamDecorator(
  (_data: unknown, context: ExecutionContext): MemberPayload => {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const claims = JwtToken.bearer(request.headers.authorization);
    if (claims.type !== "member" || typeof claims.id !== "string") {
      throw new ForbiddenException("This route is for members only.");
    }
    return { id: claims.id, type: "member" };
  },
);
