export * as member from "./member";
