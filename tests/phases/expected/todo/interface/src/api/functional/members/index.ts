export * as me from "./me";
