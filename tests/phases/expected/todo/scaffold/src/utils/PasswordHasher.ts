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
