"""Authentication pieces the interface contract names: token and password helpers, one guard per actor.

`<Actor>Auth` is a NestJS parameter decorator: it verifies the bearer access token (HS256, signed
with MyGlobal's secret) and yields `<Actor>Payload`, refusing tokens of another actor. Providers
issue tokens with `JwtToken.sign` and store passwords with `PasswordHasher`.
"""

from __future__ import annotations

from collections.abc import Iterable

from workers.phases.interface import contract

JWT_MODULE = "utils/JwtToken"
PASSWORD_MODULE = "utils/PasswordHasher"

_JWT = """\
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
"""

_PASSWORD = """\
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

/**
 * Password storage: salted scrypt hashes, compared in constant time.
 */
export namespace PasswordHasher {
  /**
   * The string to store for `password`: `scrypt$<salt>$<hash>`.
   */
  export function hash(password: string): string {
    const salt = randomBytes(16).toString("hex");
    return `scrypt$${salt}$${scryptSync(password, salt, 64).toString("hex")}`;
  }

  /**
   * Whether `password` is the one `stored` was made from.
   */
  export function verify(password: string, stored: string): boolean {
    const [scheme, salt, digest] = stored.split("$");
    if (scheme !== "scrypt" || salt === undefined || digest === undefined) {
      return false;
    }
    const expected = Buffer.from(digest, "hex");
    const actual = scryptSync(password, salt, expected.length);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
"""


def _payload(actor: str) -> str:
    return f"""\
/**
 * What the access token of a logged-in {actor} carries; `{contract.auth_decorator(actor)}` hands it to controllers.
 */
export interface {contract.auth_payload(actor)} {{
  /**
   * Primary key of the {actor}.
   */
  id: string;

  /**
   * The kind of actor the token was issued to.
   */
  type: "{actor}";
}}
"""


def _decorator(actor: str) -> str:
    payload = contract.auth_payload(actor)
    return f"""\
import {{ ExecutionContext, ForbiddenException, createParamDecorator }} from "@nestjs/common";

import {{ JwtToken }} from "../{JWT_MODULE}";
import {{ {payload} }} from "./payload/{payload}";

/**
 * Parameter decorator of the routes only a logged-in {actor} may call: yields the payload of the
 * bearer access token; 401 without a valid token, 403 for a token issued to another actor.
 */
export const {contract.auth_decorator(actor)} = createParamDecorator(
  (_data: unknown, context: ExecutionContext): {payload} => {{
    const request = context
      .switchToHttp()
      .getRequest<{{ headers: Record<string, string | string[] | undefined> }}>();
    const claims = JwtToken.bearer(request.headers.authorization);
    if (claims.type !== "{actor}" || typeof claims.id !== "string") {{
      throw new ForbiddenException("This route is for {actor}s only.");
    }}
    return {{ id: claims.id, type: "{actor}" }};
  }},
);
"""


def emit_auth(actors: Iterable[str]) -> dict[str, str]:
    """Token and password helpers, and a guard decorator with its payload type per actor."""
    files = {f"src/{JWT_MODULE}.ts": _JWT, f"src/{PASSWORD_MODULE}.ts": _PASSWORD}
    for actor in sorted(set(actors)):
        files[f"src/{contract.auth_decorator_module(actor)}.ts"] = _decorator(actor)
        files[f"src/{contract.auth_payload_module(actor)}.ts"] = _payload(actor)
    return files
