// Bridge from Python to the pinned Prisma schema wasm: reads {command, files: [[path, text], ...]}
// on stdin and writes JSON on stdout. Commands: "validate" -> {ok, message}; "dmmf" -> datamodel.
"use strict";
// The caller names the pinned node_modules, so an overridden toolchain dir is honoured exactly.
const wasm = require(require("path").join(process.env.FARM_NODE_MODULES, "@prisma", "prisma-schema-wasm"));

function readStdin() {
  return require("fs").readFileSync(0, "utf8");
}

function errorMessage(err) {
  const raw = String(err && err.message !== undefined ? err.message : err);
  try {
    const parsed = JSON.parse(raw);
    return typeof parsed.message === "string" ? parsed.message : raw;
  } catch {
    return raw;
  }
}

function main() {
  const request = JSON.parse(readStdin());
  const params = JSON.stringify({ prismaSchema: request.files, noColor: true });
  let out;
  if (request.command === "validate") {
    try {
      wasm.validate(params);
      out = { ok: true, message: "" };
    } catch (err) {
      out = { ok: false, message: errorMessage(err) };
    }
  } else if (request.command === "dmmf") {
    try {
      out = { ok: true, datamodel: JSON.parse(wasm.get_dmmf(params)).datamodel };
    } catch (err) {
      out = { ok: false, message: errorMessage(err) };
    }
  } else {
    throw new Error(`unknown command ${JSON.stringify(request.command)}`);
  }
  process.stdout.write(JSON.stringify(out));
}

main();
