import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";

/**
 * Process-wide singletons: the database client and settings read from the environment.
 */
export class MyGlobal {
  /**
   * The one database client every provider queries, connected to `DATABASE_URL` through the
   * node-postgres driver (Prisma's client runs no native engine).
   */
  public static readonly prisma: PrismaClient = new PrismaClient({
    adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL }),
  });

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
   * Address the HTTP server listens on; loopback unless `HOST` says otherwise.
   */
  public static host(): string {
    return process.env.HOST ?? "127.0.0.1";
  }

  /**
   * Port the HTTP server listens on.
   */
  public static port(): number {
    const port = Number(process.env.PORT ?? "3000");
    return Number.isInteger(port) && port > 0 ? port : 3000;
  }
}
