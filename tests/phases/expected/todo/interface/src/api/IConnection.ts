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
