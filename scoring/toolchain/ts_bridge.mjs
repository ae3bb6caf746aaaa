// One whole-program pass of the pinned TypeScript 7 compiler for the scorer: the syntactic
// diagnostics of every file (each file is parsed on its own) and the semantic diagnostics of every
// file, which the `tsc` CLI withholds as soon as any one file has a syntax error.
//
// Usage: node ts_bridge.mjs <tsconfig.json>; FARM_NODE_MODULES names the pinned toolchain. The
// program is parsed at once, while the caller writes the `@prisma/client` stub; the caller then sends
// the stub's path on stdin and closes it, and only that file is read again before the check. Writes
// one JSON object: {"global": [...], "syntactic": [...], "semantic": [...]}, diagnostics as
// ts_api.mjs locates them.
import fs from "node:fs";
import path from "node:path";
import { loadApi, located } from "./ts_api.mjs";

const config = process.argv[2];
const API = await loadApi(process.env.FARM_NODE_MODULES);
const api = new API({ cwd: path.dirname(config) });
try {
  const parsed = api.updateSnapshot({ openProjects: [config] });
  const stub = fs.readFileSync(0, "utf8").trim();
  const snapshot = api.updateSnapshot({ fileChanges: { changed: [stub] } });
  parsed.dispose();
  const program = snapshot.getProjects()[0].program;
  const sourceFiles = new Map();
  const json = (found) => found.map((d) => located(d, program, sourceFiles));
  process.stdout.write(JSON.stringify({
    global: json([...program.getConfigFileParsingDiagnostics(), ...program.getProgramDiagnostics(),
                  ...program.getGlobalDiagnostics()]),
    syntactic: json(program.getSyntacticDiagnostics()),
    semantic: json(program.getSemanticDiagnostics()),
  }));
} finally {
  api.close();
}
