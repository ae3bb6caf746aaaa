// What a Node bridge to the pinned TypeScript 7 compiler needs: its sync API (which runs the native
// compiler as a child process) and diagnostics as plain JSON, located by 1-based line and column.
import path from "node:path";
import { pathToFileURL } from "node:url";

const CATEGORIES = ["warning", "error", "suggestion", "message"];

// `modules` is the pinned node_modules the caller names, so an overridden toolchain dir is honoured.
export async function loadApi(modules) {
  const entry = path.join(modules, "typescript", "dist", "api", "sync", "api.js");
  return (await import(pathToFileURL(entry).href)).API;
}

function flatten(diagnostic) {
  const lines = [diagnostic.text];
  for (const next of diagnostic.messageChain ?? []) lines.push(flatten(next));
  return lines.join("\n");
}

// Positions are offsets into the text the compiler read; its source file converts them exactly.
// `sourceFiles` caches the files looked up, since one file often holds many diagnostics.
export function located(diagnostic, program, sourceFiles) {
  const out = { file: diagnostic.fileName ?? "", line: 0, column: 0, code: diagnostic.code,
                category: CATEGORIES[diagnostic.category] ?? "error", message: flatten(diagnostic) };
  if (diagnostic.fileName) {
    if (!sourceFiles.has(diagnostic.fileName)) sourceFiles.set(diagnostic.fileName, program.getSourceFile(diagnostic.fileName));
    const source = sourceFiles.get(diagnostic.fileName);
    if (source) {
      const position = source.getLineAndCharacterOfPosition(diagnostic.pos);
      out.line = position.line + 1;
      out.column = position.character + 1;
    }
  }
  return out;
}
