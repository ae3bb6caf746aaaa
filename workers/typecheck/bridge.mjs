// A long-lived type checker: keeps one TypeScript 7 (native) program open through the compiler's
// API and answers JSON-line requests on stdin, one JSON line each on stdout.
//
//   {"method": "update", "changed": [...], "created": [...], "deleted": [...]}  -> {"ok": true}
//   {"method": "check", "files": [...] | null}  -> {"ok": true, "diagnostics": [...], "statements": {...}}
//
// Re-checking after an edit reuses every parsed and bound file the edit did not touch, which is
// what makes re-checks fast; the files are read from disk, where the Python side writes them.
// Usage: node bridge.mjs <tsconfig.json>; FARM_NODE_MODULES names the pinned toolchain.
import path from "node:path";
import readline from "node:readline";

import { loadApi, located } from "../../scoring/toolchain/ts_api.mjs";

const API = await loadApi(process.env.FARM_NODE_MODULES);
const NO_INPUTS = 18003; // "No inputs were found in config file"

const api = new API({ cwd: path.dirname(process.argv[2]) });
let snapshot = api.updateSnapshot({ openProjects: [process.argv[2]] });

function project() {
  return snapshot.getProjects()[0];
}

function program() {
  return project().program;
}

// Project-wide diagnostics. The config's are those of its first load: a tree that started without
// files keeps "no inputs" after files were created, so that one is dropped once there are root files.
function projectDiagnostics() {
  const current = program();
  const found = [...current.getConfigFileParsingDiagnostics(), ...current.getProgramDiagnostics(),
                 ...current.getGlobalDiagnostics()];
  return project().rootFiles.length > 0 ? found.filter((d) => d.code !== NO_INPUTS) : found;
}

function check(files) {
  const current = program();
  const found = [];
  const statements = {};
  if (files === null) {
    found.push(...projectDiagnostics(), ...current.getSyntacticDiagnostics(), ...current.getSemanticDiagnostics());
  } else {
    for (const file of files) {
      const source = current.getSourceFile(file);
      if (!source) throw new Error(`not in the program: ${file}`);
      statements[file] = source.statements.length;
      found.push(...current.getSyntacticDiagnostics(file), ...current.getSemanticDiagnostics(file));
    }
  }
  const sourceFiles = new Map();
  return { ok: true, diagnostics: found.map((d) => located(d, current, sourceFiles)), statements };
}

function update(request) {
  const previous = snapshot;
  snapshot = api.updateSnapshot({
    fileChanges: { changed: request.changed ?? [], created: request.created ?? [], deleted: request.deleted ?? [] },
  });
  previous.dispose();
  return { ok: true };
}

function answer(line) {
  try {
    const request = JSON.parse(line);
    if (request.method === "update") return update(request);
    if (request.method === "check") return check(request.files ?? null);
    return { ok: false, error: `unknown method ${request.method}` };
  } catch (error) {
    return { ok: false, error: String(error?.stack ?? error) };
  }
}

process.stdout.write(JSON.stringify({ ok: true, ready: true }) + "\n");
const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on("line", (line) => process.stdout.write(JSON.stringify(answer(line)) + "\n"));
input.on("close", () => {
  api.close();
  process.exit(0);
});
