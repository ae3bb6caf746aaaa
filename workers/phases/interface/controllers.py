"""Emit NestJS controllers (one per SDK namespace), the module registering them, and error mapping.

A controller method only binds the request (actor, path parameters, query, body) and calls the
provider Realize will write (names fixed in `contract`); provider errors go through
`toHttpException`, so a missing row or a unique violation reaches the client as 404 / 409.
A query string carries only text, so the numbers and booleans a query DTO declares are converted
by `QueryValues` before the provider sees them. NestJS itself checks no request against its DTO
type (AutoBe's `@TypedBody` does, with typia), so `RequestValidation` checks every body and query
against the DTO's schema in the project's own `openapi.json`, with ajv: a provider only ever sees
values its types promise, and a client gets a 400 naming each field and the rule it broke.
"""

from __future__ import annotations

from collections import defaultdict

from workers.phases.interface import contract
from workers.phases.interface.ast import JsonSchema, Route, TypeDefinition
from workers.phases.interface.tsdoc import jsdoc

MODULE_FILE = "src/ApiModule.ts"
HTTP_EXCEPTION_MODULE = "utils/toHttpException"
QUERY_VALUES_MODULE = "utils/QueryValues"
REQUEST_VALIDATION_MODULE = "utils/RequestValidation"

_TO_HTTP_EXCEPTION = '''\
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
'''

_QUERY_VALUES = '''\
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
'''

_REQUEST_VALIDATION = '''\
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
 * unicode flag that rejects common ones such as `[\\w-.]` or `\\d{3}\\-\\d{4}`.
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
'''

_DECORATORS = {"get": "Get", "post": "Post", "put": "Put", "patch": "Patch", "delete": "Delete"}


def _prefix(routes: list[Route]) -> list[str]:
    """Longest run of leading path segments all routes of a controller share."""
    paths = [contract.segments(route.path) for route in routes]
    shared: list[str] = []
    for column in zip(*paths, strict=False):
        if len(set(column)) != 1:
            break
        shared.append(column[0])
    return shared


def _nest_path(segments: list[str]) -> str:
    return "/".join(":" + s[1:-1] if contract.is_parameter(s) else s for s in segments)


def _value_kind(schema: JsonSchema, types: dict[str, TypeDefinition], depth: int = 0) -> str | None:
    """`integer`, `number` or `boolean` for a schema whose values are one of these (null aside); None otherwise."""
    if schema.type in ("integer", "number", "boolean"):
        return schema.type
    if schema.type == "constant" and not isinstance(schema.value, str):
        return "boolean" if isinstance(schema.value, bool) else "integer" if isinstance(schema.value, int) else "number"
    if schema.type == "reference" and schema.ref in types and depth < 8:
        return _value_kind(types[schema.ref].json_schema, types, depth + 1)
    if schema.type == "oneOf":
        kinds = {_value_kind(variant, types, depth + 1) for variant in schema.variants if variant.type != "null"}
        return kinds.pop() if len(kinds) == 1 else None
    return None


def _query_kinds(type_name: str, types: dict[str, TypeDefinition]) -> dict[str, str]:
    """The properties of query DTO `type_name` that are not text, with the type to convert them to."""
    definition = types.get(type_name)
    if definition is None or definition.json_schema.type != "object":
        return {}
    kinds = {prop.name: _value_kind(prop.json_schema, types) for prop in definition.json_schema.properties}
    return {name: kind for name, kind in kinds.items() if kind is not None}


def _query_pipe(type_name: str, types: dict[str, TypeDefinition], up: str, imports: dict[str, set[str]]) -> str:
    """The `@Query` argument converting the DTO's numbers and booleans, empty when it has none."""
    kinds = _query_kinds(type_name, types)
    if not kinds:
        return ""
    imports[f"{up}{QUERY_VALUES_MODULE}"].add("QueryValues")
    return "new QueryValues({ " + ", ".join(f'{name}: "{kind}"' for name, kind in sorted(kinds.items())) + " })"


def _method(route: Route, prefix_length: int, up: str, imports: dict[str, set[str]],
            types: dict[str, TypeDefinition]) -> str:
    provider = contract.provider_name(route.method, route.path)
    imports[f"{up}{contract.provider_module(provider)}"].add(provider)
    parameters: list[str] = []
    props: list[str] = []
    tags: list[str] = []
    if route.authorization is not None:
        decorator, payload = contract.auth_decorator(route.authorization), contract.auth_payload(route.authorization)
        imports[f"{up}{contract.auth_decorator_module(route.authorization)}"].add(decorator)
        imports[f"{up}{contract.auth_payload_module(route.authorization)}"].add(payload)
        parameters.append(f"@{decorator}() {route.authorization}: {payload}")
        props.append(route.authorization)
        tags.append(f"@param {route.authorization} The authorized {route.authorization}")
    for parameter in route.parameters:
        pipe = {"uuid": ", ParseUUIDPipe", "integer": ", ParseIntPipe"}.get(parameter.format, "")
        imports["@nestjs/common"].update({"Param", *([pipe[2:]] if pipe else [])})
        parameters.append(f'@Param("{parameter.name}"{pipe}) {parameter.name}: {contract.parameter_type(parameter.format)}')
        props.append(parameter.name)
        tags.append(f"@param {parameter.name} {parameter.description}")
    for kind, decorator, type_name in (("query", "Query", route.query), ("body", "Body", route.request_body)):
        if type_name is not None:
            imports["@nestjs/common"].add(decorator)
            imports[f"{up}{contract.structure_module(type_name)}"].add(contract.type_base(type_name))
            imports[f"{up}{REQUEST_VALIDATION_MODULE}"].add("RequestValidation")
            convert = _query_pipe(type_name, types, up, imports) if kind == "query" else ""
            pipes = ", ".join(filter(None, [convert, f'new RequestValidation("{kind}", "{type_name}")']))
            parameters.append(f"@{decorator}({pipes}) {kind}: {type_name}")
            props.append(kind)
            tags.append(f"@param {kind} {type_name}")
    if route.response_body is not None:
        imports[f"{up}{contract.structure_module(route.response_body)}"].add(contract.type_base(route.response_body))
        tags.append(f"@returns {route.response_body}")
    decorator = _DECORATORS[route.method]
    imports["@nestjs/common"].add(decorator)
    sub_path = _nest_path(contract.segments(route.path)[prefix_length:])
    route_arg = f'"{sub_path}"' if sub_path else ""
    signature = "".join(f"\n    {parameter}," for parameter in parameters)
    call = f"{provider}({{ {', '.join(props)} }})" if props else f"{provider}({{}})"
    doc = jsdoc([route.summary, route.description], [*tags, f"@route {route.method.upper()} {route.path}"], "  ")
    return (
        f"{doc}\n  @{decorator}({route_arg})\n"
        f"  public async {route.name}({signature}{chr(10) + '  ' if signature else ''}): "
        f"Promise<{route.response_body or 'void'}> {{\n"
        f"    try {{\n      return await {call};\n    }} catch (error) {{\n"
        f"      throw toHttpException(error);\n    }}\n  }}"
    )


def _import_lines(imports: dict[str, set[str]]) -> list[str]:
    external = sorted(module for module in imports if not module.startswith("."))
    local = sorted(module for module in imports if module.startswith("."))
    return [f'import {{ {", ".join(sorted(imports[module]))} }} from "{module}";' for module in external + local]


def _controller(chain: tuple[str, ...], routes: list[Route], types: dict[str, TypeDefinition]) -> str:
    up = "../" * (len(chain) + 1)
    prefix = _prefix(routes)
    imports: dict[str, set[str]] = defaultdict(set)
    imports["@nestjs/common"].add("Controller")
    imports[f"{up}{HTTP_EXCEPTION_MODULE}"].add("toHttpException")
    methods = [_method(route, len(prefix), up, imports, types) for route in routes]
    listed = ", ".join(f"{route.method.upper()} {route.path}" for route in routes)
    doc = jsdoc([f"Routes of api.functional.{'.'.join(chain)}: {listed}."])
    body = "\n\n".join(methods)
    return (
        "\n".join(_import_lines(imports))
        + f'\n\n{doc}\n@Controller("{_nest_path(prefix)}")\nexport class {contract.controller_class(chain)} {{\n{body}\n}}\n'
    )


def emit_controllers(routes: list[Route], types: list[TypeDefinition]) -> dict[str, str]:
    """Controllers, `src/ApiModule.ts` and the helpers they bind requests with (`src/utils/`)."""
    by_chain: dict[tuple[str, ...], list[Route]] = defaultdict(list)
    for route in routes:
        by_chain[contract.sdk_chain(route.path, route.name)].append(route)
    by_name = {definition.name: definition for definition in types}
    files = {f"src/{HTTP_EXCEPTION_MODULE}.ts": _TO_HTTP_EXCEPTION, f"src/{QUERY_VALUES_MODULE}.ts": _QUERY_VALUES,
             f"src/{REQUEST_VALIDATION_MODULE}.ts": _REQUEST_VALIDATION}
    for chain, members in sorted(by_chain.items()):
        files[f"src/{contract.controller_module(chain)}.ts"] = _controller(chain, members, by_name)
    classes = [(contract.controller_class(chain), contract.controller_module(chain)) for chain in sorted(by_chain)]
    imports = "\n".join(f'import {{ {name} }} from "./{module}";' for name, module in classes)
    listed = "".join(f"\n    {name}," for name, _ in classes)
    files[MODULE_FILE] = (
        f'import {{ Module }} from "@nestjs/common";\n\n{imports}\n\n'
        + jsdoc(["Registers every generated controller; the application's root module imports it."])
        + f"\n@Module({{\n  controllers: [{listed}\n  ],\n}})\nexport class ApiModule {{}}\n"
    )
    return files
