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
  const url = connection.host.replace(/\/+$/, "") + route.path + queryString(route.query);
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
