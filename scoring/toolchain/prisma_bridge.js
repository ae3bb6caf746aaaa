// Bridge from Python to the pinned Prisma schema wasm: reads JSON lines {command, files: [[path, text],
// ...]} on stdin and writes one JSON line on stdout for each. Commands: "validate" -> {ok, message};
// "dmmf" -> datamodel. Long-lived: loading the wasm costs more than most requests; exits when stdin closes.
"use strict";
// The caller names the pinned node_modules, so an overridden toolchain dir is honoured exactly.
const wasm = require(require("path").join(process.env.FARM_NODE_MODULES, "@prisma", "prisma-schema-wasm"));

function errorMessage(err) {
  const raw = String(err && err.message !== undefined ? err.message : err);
  try {
    const parsed = JSON.parse(raw);
    return typeof parsed.message === "string" ? parsed.message : raw;
  } catch {
    return raw;
  }
}

function answer(request) {
  const params = JSON.stringify({ prismaSchema: request.files, noColor: true });
  if (request.command === "validate") {
    try {
      wasm.validate(params);
      return { ok: true, message: "" };
    } catch (err) {
      return { ok: false, message: errorMessage(err) };
    }
  }
  if (request.command === "dmmf") {
    try {
      return { ok: true, datamodel: JSON.parse(wasm.get_dmmf(params)).datamodel };
    } catch (err) {
      return { ok: false, message: errorMessage(err) };
    }
  }
  return { ok: false, error: `unknown command ${JSON.stringify(request.command)}` };
}

const input = require("readline").createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on("line", (line) => process.stdout.write(JSON.stringify(answer(JSON.parse(line))) + "\n"));
input.on("close", () => process.exit(0));
