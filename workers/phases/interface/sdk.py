"""Emit the typed SDK under `src/api/`: `api.functional.<namespaces>.<action>(connection, …)`.

One `index.ts` per SDK namespace directory holds that namespace's functions and re-exports its child
namespaces; every function sends one request through the small `fetcher` (global `fetch`).
"""

from __future__ import annotations

from collections import defaultdict

from workers.phases.interface import contract
from workers.phases.interface.ast import Route
from workers.phases.interface.tsdoc import jsdoc

API_DIR = "src/api"

_CONNECTION = '''\
/**
 * Where SDK calls go: the server's base URL, and headers sent with every request (set
 * `Authorization` to the access token returned when joining or logging in).
 */
export interface IConnection {
  /** Base URL of the server, e.g. "http://localhost:3000". */
  host: string;

  /** Headers sent with every request. */
  headers?: Record<string, string>;
}
'''

_HTTP_ERROR = '''\
/**
 * A response with a non-2xx status; `body` is the response text, usually Nest's JSON error.
 */
export class HttpError extends Error {
  public constructor(
    public readonly method: string,
    public readonly path: string,
    public readonly status: number,
    public readonly body: string,
  ) {
    super(`${method} ${path} answered ${status}: ${body}`);
    this.name = "HttpError";
  }
}
'''

_FETCHER = '''\
import { HttpError } from "./HttpError";
import type { IConnection } from "./IConnection";

/**
 * One request of an SDK function.
 */
export interface IRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: object;
  body?: unknown;
}

/**
 * Sends a request as JSON and parses the JSON answer; throws HttpError on a non-2xx status.
 */
export async function fetcher<T>(connection: IConnection, route: IRoute): Promise<T> {
  const url = connection.host.replace(/\\/+$/, "") + route.path + queryString(route.query);
  const headers: Record<string, string> = { ...(connection.headers ?? {}) };
  if (route.body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch(url, {
    method: route.method,
    headers,
    body: route.body === undefined ? undefined : JSON.stringify(route.body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new HttpError(route.method, route.path, response.status, text);
  }
  return (text.length === 0 ? undefined : JSON.parse(text)) as T;
}

function queryString(query: object | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) {
      params.append(key, String(value));
    }
  }
  const text = params.toString();
  return text.length === 0 ? "" : `?${text}`;
}
'''

_INDEX = '''\
import * as functional from "./functional";

export * from "./HttpError";
export * from "./IConnection";
export { functional };

/**
 * The typed SDK of this API: `api.functional.<path segments>.<action>(connection, ...)`.
 */
const api = { functional };
export default api;
'''


def _path_template(route: Route) -> str:
    parts = []
    for segment in contract.segments(route.path):
        parts.append("${encodeURIComponent(" + segment[1:-1] + ")}" if contract.is_parameter(segment) else segment)
    return "`/" + "/".join(parts) + "`"


def _function(route: Route, imports: set[str]) -> str:
    response = route.response_body or "void"
    args = ["connection: IConnection"]
    args += [f"{p.name}: {contract.parameter_type(p.format)}" for p in route.parameters]
    tags = ["@param connection Server to call"]
    tags += [f"@param {p.name} {p.description}" for p in route.parameters]
    fields = [f'method: "{route.method.upper()}"', f"path: {_path_template(route)}"]
    for kind, type_name in (("query", route.query), ("body", route.request_body)):
        if type_name is not None:
            args.append(f"{kind}: {type_name}")
            tags.append(f"@param {kind} {type_name}")
            fields.append(kind)
    for type_name in (route.query, route.request_body, route.response_body):
        if type_name is not None:
            imports.add(contract.type_base(type_name))
    if route.response_body is not None:
        tags.append(f"@returns {route.response_body}")
    tags.append(f"@route {route.method.upper()} {route.path}")
    doc = jsdoc([route.summary, route.description], tags)
    body = ",\n    ".join(fields)
    return (f"{doc}\nexport async function {route.name}({', '.join(args)}): Promise<{response}> {{\n"
            f"  return fetcher<{response}>(connection, {{\n    {body},\n  }});\n}}")


def emit_sdk(routes: list[Route]) -> dict[str, str]:
    """`src/api/{index,IConnection,HttpError,fetcher}.ts` and `src/api/functional/**/index.ts`."""
    functions: dict[tuple[str, ...], list[Route]] = defaultdict(list)
    children: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for route in routes:
        chain = contract.sdk_chain(route.path, route.name)
        functions[chain].append(route)
        for depth in range(len(chain)):
            children[chain[:depth]].add(chain[depth])
    files = {
        f"{API_DIR}/index.ts": _INDEX,
        f"{API_DIR}/IConnection.ts": _CONNECTION,
        f"{API_DIR}/HttpError.ts": _HTTP_ERROR,
        f"{API_DIR}/fetcher.ts": _FETCHER,
    }
    for chain in sorted(set(functions) | set(children)):
        up = "../" * (len(chain) + 1)
        imports: set[str] = set()
        bodies = [_function(route, imports) for route in functions.get(chain, [])]
        head = []
        if bodies:
            head.append(f'import {{ fetcher }} from "{up}fetcher";')
            head.append(f'import type {{ IConnection }} from "{up}IConnection";')
            head += [f'import type {{ {base} }} from "{up}structures/{base}";' for base in sorted(imports)]
        exports = [f'export * as {child} from "./{child}";' for child in sorted(children.get(chain, ()))]
        blocks = ["\n".join(block) for block in (head, exports) if block] + bodies
        files[f"{API_DIR}/functional/{'/'.join((*chain, 'index.ts'))}"] = "\n\n".join(blocks) + "\n"
    return files
