import { UnauthorizedException } from "@nestjs/common";
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

import { MyGlobal } from "../MyGlobal";

/**
 * Signed tokens (JWT, HS256) without a third-party library.
 */
export namespace JwtToken {
  /**
   * A token and when it stops being accepted.
   */
  export interface IIssued {
    token: string;
    expired_at: string;
  }

  /**
   * Signs `claims` for `lifetimeSeconds` seconds; a random token id (`jti`) makes every token
   * distinct, even two with the same claims issued within the same second.
   */
  export function sign(claims: Record<string, unknown>, lifetimeSeconds: number): IIssued {
    const expires = Math.floor(Date.now() / 1000) + lifetimeSeconds;
    const head = encode({ alg: "HS256", typ: "JWT" });
    const body = encode({ ...claims, jti: randomUUID(), exp: expires });
    return {
      token: `${head}.${body}.${signature(`${head}.${body}`)}`,
      expired_at: new Date(expires * 1000).toISOString(),
    };
  }

  /**
   * The claims of a valid, unexpired token; 401 otherwise.
   */
  export function verify(token: string): Record<string, unknown> {
    const parts = token.split(".");
    if (parts.length !== 3) {
      throw new UnauthorizedException("Malformed token.");
    }
    const [head, body, given] = parts;
    const expected = Buffer.from(signature(`${head}.${body}`));
    if (expected.length !== given.length || !timingSafeEqual(expected, Buffer.from(given))) {
      throw new UnauthorizedException("Invalid token signature.");
    }
    const claims: unknown = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    if (typeof claims !== "object" || claims === null) {
      throw new UnauthorizedException("Invalid token claims.");
    }
    const record = claims as Record<string, unknown>;
    if (typeof record.exp !== "number" || record.exp * 1000 < Date.now()) {
      throw new UnauthorizedException("Expired token.");
    }
    return record;
  }

  /**
   * The claims of an `Authorization: Bearer <token>` header; 401 when it is missing or invalid.
   */
  export function bearer(header: string | string[] | undefined): Record<string, unknown> {
    const value = Array.isArray(header) ? header[0] : header;
    if (value === undefined || !value.startsWith("Bearer ")) {
      throw new UnauthorizedException("Missing bearer token.");
    }
    return verify(value.slice("Bearer ".length).trim());
  }

  function encode(value: object): string {
    return Buffer.from(JSON.stringify(value)).toString("base64url");
  }

  function signature(input: string): string {
    return createHmac("sha256", MyGlobal.jwtSecret()).update(input).digest("base64url");
  }
}
