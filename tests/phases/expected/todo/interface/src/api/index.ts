import * as functional from "./functional";

export * from "./HttpError";
export * from "./IConnection";
export { functional };

/**
 * The typed SDK of this API: `api.functional.<path segments>.<action>(connection, ...)`.
 */
const api = { functional };
export default api;
