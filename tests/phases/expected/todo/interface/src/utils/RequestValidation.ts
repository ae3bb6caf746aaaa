import { BadRequestException, PipeTransform } from "@nestjs/common";
import Ajv2020, { ErrorObject } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The part of a request a validated value comes from; error messages name fields from it.
 */
export type RequestPart = "body" | "query";

const DOCUMENT = "openapi.json";

/**
 * The document's DTO schemas, read once at startup (this module runs from dist/src/utils, three
 * levels below the project root) and compiled per type on first use; `$ref`s between them
 * resolve inside the document. Patterns compile as `new RegExp(pattern)` would, without the
 * unicode flag that rejects common ones such as `[\w-.]` or `\d{3}\-\d{4}`.
 */
const SCHEMAS: Ajv2020 = (() => {
  const document = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", DOCUMENT), "utf8")) as {
    components?: { schemas?: Record<string, unknown> };
  };
  const ajv = new Ajv2020({ allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  ajv.addFormat("password", true);
  ajv.addKeyword("components");
  ajv.addKeyword("x-db-column");
  ajv.addSchema({ $id: DOCUMENT, components: { schemas: document.components?.schemas ?? {} } });
  return ajv;
})();

/**
 * Pipe of a `@Body()` or `@Query()` parameter: the value must match the JSON schema of its DTO
 * type in the project's openapi.json; 400 with one message per broken rule otherwise, e.g.
 * `body.title: must NOT have more than 200 characters (maxLength)`.
 */
export class RequestValidation implements PipeTransform<unknown, unknown> {
  public constructor(
    private readonly part: RequestPart,
    private readonly type: string,
  ) {}

  public transform(value: unknown): unknown {
    const validate = SCHEMAS.getSchema(`${DOCUMENT}#/components/schemas/${this.type}`);
    if (validate === undefined) {
      throw new Error(`${DOCUMENT} defines no schema ${this.type}`);
    }
    if (!validate(value)) {
      throw new BadRequestException({
        statusCode: 400,
        error: "Bad Request",
        message: (validate.errors ?? []).map((error) => describe(this.part, error)),
      });
    }
    return value;
  }
}

/**
 * `<part>.<field path>: <what the rule requires> (<rule>)`; a missing or unexpected property is
 * named in the path too.
 */
function describe(part: RequestPart, error: ErrorObject): string {
  const params = error.params as { missingProperty?: unknown; additionalProperty?: unknown };
  const named = params.missingProperty ?? params.additionalProperty;
  const steps = error.instancePath
    .split("/")
    .slice(1)
    .map((step) => step.replace(/~1/g, "/").replace(/~0/g, "~"));
  const field = [part, ...steps, ...(typeof named === "string" ? [named] : [])].join(".");
  return `${field}: ${error.message ?? "is invalid"} (${error.keyword})`;
}
