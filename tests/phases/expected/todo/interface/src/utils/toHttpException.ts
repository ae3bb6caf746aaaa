import {
  BadRequestException,
  ConflictException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
} from "@nestjs/common";

/**
 * The HTTP error a client receives for an error thrown by a provider.
 *
 * Providers throw Nest's HTTP exceptions for expected failures; Prisma's known request errors map
 * by code (record not found 404, unique violation 409, broken reference 400); anything else is a
 * 500 that does not leak internals.
 */
export function toHttpException(error: unknown): HttpException {
  if (error instanceof HttpException) {
    return error;
  }
  const code =
    typeof error === "object" && error !== null && "code" in error
      ? String((error as { code: unknown }).code)
      : undefined;
  switch (code) {
    case "P2025":
      return new NotFoundException("The record does not exist.");
    case "P2002":
      return new ConflictException("A record with these unique values already exists.");
    case "P2003":
      return new BadRequestException("A referenced record does not exist.");
    default:
      return new InternalServerErrorException();
  }
}
