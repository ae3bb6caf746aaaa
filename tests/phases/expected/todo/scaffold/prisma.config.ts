import { defineConfig, env } from "prisma/config";

// The schema is split per namespace under prisma/schema; the connection comes from the environment.
export default defineConfig({
  schema: "prisma/schema",
  datasource: {
    url: env("DATABASE_URL"),
  },
});
