import { PrismaClient } from "@prisma/client";

/**
 * Process-wide singletons: the database client and settings read from the environment.
 */
export class MyGlobal {
  /**
   * The one database client every provider queries.
   */
  public static readonly prisma: PrismaClient = new PrismaClient();

  /**
   * Secret that signs access and refresh tokens; the server refuses to issue tokens without it.
   */
  public static jwtSecret(): string {
    const secret = process.env.JWT_SECRET;
    if (secret === undefined || secret.length < 32) {
      throw new Error("JWT_SECRET must be set to at least 32 characters");
    }
    return secret;
  }

  /**
   * Port the HTTP server listens on.
   */
  public static port(): number {
    const port = Number(process.env.PORT ?? "3000");
    return Number.isInteger(port) && port > 0 ? port : 3000;
  }
}
