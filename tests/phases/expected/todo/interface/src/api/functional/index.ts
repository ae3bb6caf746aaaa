export * as auth from "./auth";
export * as members from "./members";
export * as todos from "./todos";
export * as trash from "./trash";
