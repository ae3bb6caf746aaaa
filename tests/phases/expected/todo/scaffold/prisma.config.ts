import { defineConfig } from "prisma/config";

// The schema is split per namespace under prisma/schema; the connection comes from the environment,
// and only commands that reach the database need it (`prisma generate` does not).
export default defineConfig({
  schema: "prisma/schema",
  datasource: {
    url: process.env.DATABASE_URL,
  },
});
