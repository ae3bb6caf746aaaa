import { BadRequestException, PipeTransform } from "@nestjs/common";

/**
 * The type a query-string value is declared with, other than text.
 */
export type QueryValueKind = "integer" | "number" | "boolean";

/**
 * Pipe of a `@Query()` parameter: a query string carries only text, so the properties `kinds` names
 * are converted to their declared type; 400 for a value that is not of it.
 */
export class QueryValues implements PipeTransform<Record<string, unknown>, Record<string, unknown>> {
  public constructor(private readonly kinds: Record<string, QueryValueKind>) {}

  public transform(query: Record<string, unknown>): Record<string, unknown> {
    const result: Record<string, unknown> = { ...query };
    for (const [name, kind] of Object.entries(this.kinds)) {
      const value = result[name];
      if (typeof value === "string") {
        result[name] = convert(name, value, kind);
      }
    }
    return result;
  }
}

function convert(name: string, text: string, kind: QueryValueKind): number | boolean {
  if (kind === "boolean" && (text === "true" || text === "false")) {
    return text === "true";
  }
  const value = Number(text);
  if (kind !== "boolean" && text.trim() !== "" && Number.isFinite(value) && (kind === "number" || Number.isInteger(value))) {
    return value;
  }
  throw new BadRequestException(`Query parameter ${name} must be ${kind === "integer" ? "an integer" : `a ${kind}`}.`);
}
