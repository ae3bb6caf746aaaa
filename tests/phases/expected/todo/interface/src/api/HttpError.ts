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
