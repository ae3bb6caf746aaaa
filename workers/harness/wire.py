"""The tool JSON schema as *sent* to a server, shaped for what that server can take.

What is sent only has to steer the model and be accepted by the server; what the farm *validates*
is always the full pydantic model. So the wire schema may be looser than the model (never
stricter: it must not forbid a correct answer), and every rewrite here only drops or relaxes a
constraint, or restates it in a form the server understands (shared/real-servers.md).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from farm.spec import Dialect, ToolSchemaMode
from workers.phases.schema_shape import inline_refs

INLINE_DEPTH = 2  # one nested level of each recursive variant in full; deeper levels are tagged objects
# llama.cpp's chat templates print the schema into the prompt (llama-cpp-python's chatml-function-calling
# does) of local models with small contexts. Measured before the rewrites, which take off ~25%.
GRAMMAR_MAX_CHARS = 16_000
# Largest bound kept in a regex quantifier or a minLength/minItems. llama-cpp-python's converter
# spells `x{0,n}` (and maxLength n) as n nested optional groups: the C parser refuses n > ~1,000
# ("... exceeds sane defaults") and overflows its stack at 30,000; `minItems: n` is n copies, ~10
# grammar characters each. llama-server's converter emits `{m,n}`, refused above 2,000.
MAX_REPEAT = 64

_GRAMMAR_DIALECTS = (Dialect.LLAMA_CPP, Dialect.LMSTUDIO)
# Keywords dropped. Titles only cost prompt tokens (descriptions stay); `format` becomes a grammar
# stricter than pydantic (a date-time without a zone is refused); `discriminator` is OpenAPI's and
# ignored; max bounds expand into the repetitions above; `not` has no grammar form.
_DROPPED = frozenset({"title", "format", "discriminator", "maxLength", "maxItems", "not"})
_NAME_MAPS = frozenset({"properties", "$defs", "patternProperties"})  # keys are names, not keywords
_LITERALS = frozenset({"const", "enum", "default", "examples", "required"})  # values, never schemas
_SHAPING = frozenset({"type", "$ref", "anyOf", "oneOf", "allOf", "const", "enum", "properties", "items",
                      "prefixItems", "pattern", "additionalProperties"})
# Any JSON value. llama-cpp-python's grammar for `{}` (and `additionalProperties: true`) takes only
# objects, and a description-only schema raises "Unrecognized schema".
_ANY_TYPES = ("string", "number", "boolean", "null", "object", "array")


def default_schema_mode(dialect: Dialect) -> ToolSchemaMode:
    """Inline where references break the server: Ollama (recursive $ref is "invalid JSON schema",
    #7993) and the llama.cpp family (nested $ref is broken in its converter, #8073)."""
    if dialect is Dialect.AUTO:
        raise ValueError("resolve the `auto` dialect before shaping a tool schema")
    if dialect in (Dialect.OLLAMA, *_GRAMMAR_DIALECTS):
        return ToolSchemaMode.INLINE
    return ToolSchemaMode.NATIVE


@lru_cache(maxsize=256)
def wire_parameters(ast: type[BaseModel], dialect: Dialect, mode: ToolSchemaMode | None = None) -> dict[str, Any]:
    """The JSON schema to send as the tool's parameters for this dialect (cached; mode None = the
    dialect's default). The result is shared between callers: do not mutate it."""
    if dialect is Dialect.AUTO:
        raise ValueError("resolve the `auto` dialect before shaping a tool schema")
    mode = mode or default_schema_mode(dialect)
    schema = ast.model_json_schema()
    grammar = dialect in _GRAMMAR_DIALECTS  # LM Studio builds its grammars the way llama.cpp does
    if mode is ToolSchemaMode.INLINE:
        schema = inline_refs(schema, INLINE_DEPTH, GRAMMAR_MAX_CHARS) if grammar else inline_refs(schema, INLINE_DEPTH)
    return grammar_safe(schema) if grammar else schema


def grammar_safe(node: Any) -> Any:
    """`node` rewritten into what llama.cpp's JSON-schema-to-grammar converters handle.

    Both converters treat a missing `additionalProperties` as false (JSON Schema: true), so an object
    with properties and no such keyword gets an explicit any-value one: without it, the grammar of
    a node cut by inlining (a tag and nothing else) refuses every field of every nested expression.
    `false`, their default, is dropped.
    """
    if isinstance(node, list):
        return [grammar_safe(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "properties" in node and ("anyOf" in node or "oneOf" in node):
        node = _distribute(node)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or (key in ("minLength", "minItems") and value > MAX_REPEAT):
            continue
        if key in _LITERALS:
            out[key] = value
        elif key in _NAME_MAPS:
            out[key] = {name: grammar_safe(sub) for name, sub in value.items()}
        elif key == "pattern":
            if (pattern := grammar_pattern(value)) is not None:
                out[key] = pattern
        elif key == "additionalProperties":
            if value is not False:
                out[key] = {"type": [*_ANY_TYPES]} if value is True else grammar_safe(value)
        else:
            out[key] = grammar_safe(value)
    if "properties" in out and "additionalProperties" not in node:
        out["additionalProperties"] = {"type": [*_ANY_TYPES]}
    if not out.keys() & _SHAPING:
        out["type"] = [*_ANY_TYPES]
    return out


def _distribute(node: dict[str, Any]) -> dict[str, Any]:
    """Object keywords pushed into each alternative of the union beside them: llama.cpp cannot mix
    `properties` with `anyOf`/`oneOf` in one type (#7703) and llama-cpp-python drops the properties."""
    union = "anyOf" if "anyOf" in node else "oneOf"
    shared = {k: node[k] for k in ("type", "properties", "required", "additionalProperties") if k in node}
    alternatives = [{**shared, **alt,
                     "properties": {**shared.get("properties", {}), **alt.get("properties", {})},
                     "required": list(dict.fromkeys([*shared.get("required", []), *alt.get("required", [])]))}
                    for alt in node[union]]
    return {**{k: v for k, v in node.items() if k not in shared and k != union}, union: alternatives}


# Characters to spell as \xHH inside a class; anything else stands for itself there.
_CLASS_SPECIAL = frozenset("[]\\^-")
_SHORTHANDS = {"d": "0-9", "w": "A-Za-z0-9_", "s": " \\t\\n\\r"}
_QUANTIFIER = re.compile(r"\{(\d+)(?:,(\d*))?\}")


def grammar_pattern(pattern: str) -> str | None:
    """`pattern` in the regex subset llama.cpp's converters turn into a valid grammar, or None to
    send no pattern at all.

    llama-cpp-python copies escapes such as `\\.`, `\\/`, `\\d`, `\\w`, `\\s` into the grammar verbatim
    (in or out of a class), where the C parser refuses them ("unknown escape at \\.md..."; the server
    then crashes), and it raises on `(?:`/`(?=` ('Unsupported pattern syntax "?"') and on unanchored
    patterns ('Pattern must start with "^" and end with "$"'), after which the server samples
    without any grammar. So escapes become classes (`\\.` -> `[.]`, `\\d` -> `[0-9]`, in a class
    `\\xHH`), `(?:` becomes `(`, lazy marks and large bounds go, and anything else (lookarounds,
    backreferences, `\\b`, a top-level `|`, whose grammar would bind the closing quote to the
    last branch only) drops the pattern.
    """
    head = pattern[:-1]
    if not (pattern.startswith("^") and pattern.endswith("$")) or (len(head) - len(head.rstrip("\\"))) % 2:
        return None  # unanchored, or the final `$` is an escaped dollar
    body, out, i, depth = pattern[1:-1], [], 0, 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            atom = _escape(body[i + 1:i + 2], in_class=False)
            if atom is None:
                return None
            out.append(atom)
            i += 2
        elif c == "[":
            end, members = i + 1, []
            if body.startswith("^", end):
                members.append("^")
                end += 1
            while end < len(body) and (body[end] != "]" or end == i + 1):
                if body[end] == "\\":
                    member = _escape(body[end + 1:end + 2], in_class=True)
                    if member is None:
                        return None
                    members.append(member)
                    end += 2
                else:  # a leading `]` is a member; the converter would end the class there
                    members.append("\\x5D" if body[end] == "]" else "\\x5B" if body[end] == "[" else body[end])
                    end += 1
            if end >= len(body):
                return None
            out.append("[" + "".join(members) + "]")
            i = end + 1
        elif c == "(":
            if body.startswith("(?:", i):
                i += 3
            elif body.startswith("(?", i):
                return None
            else:
                i += 1
            out.append("(")
            depth += 1
        elif c == ")":
            out.append(")")
            depth -= 1
            i += 1
        elif c == "{" and (match := _QUANTIFIER.match(body, i)):
            out.append(_bounded(match))
            i = match.end() + body.startswith("?", match.end())  # lazy: same strings in a full match
        elif c == "{":
            out.append("[{]")
            i += 1
        elif c in "*+?" and body.startswith("?", i + 1):  # lazy: same strings in a full match
            out.append(c)
            i += 2
        elif c in "^$":
            return None
        elif c == "|" and depth == 0:
            return None  # `^a|b$` is "starts with a or ends with b", not an anchored pattern
        else:
            out.append(c)
            i += 1
    rewritten = "".join(out)
    try:
        re.compile(rewritten)
    except re.error:
        return None
    return f"^{rewritten}$"


def _escape(char: str, in_class: bool) -> str | None:
    """A regex escape (`\\` + `char`) spelled without an escape the grammar parser rejects."""
    if char in _SHORTHANDS:
        return _SHORTHANDS[char] if in_class else f"[{_SHORTHANDS[char]}]"
    if char in ("D", "W", "S") and not in_class:
        return f"[^{_SHORTHANDS[char.lower()]}]"
    if char in ("t", "n", "r"):
        return f"\\{char}"
    if char and not char.isalnum() and char.isascii() and char.isprintable():
        member = f"\\x{ord(char):02X}" if char in _CLASS_SPECIAL else char
        return member if in_class else f"[{member}]"
    return None  # \b, backreferences, \p{…}, \x/\u (kept simple: rare in pydantic patterns)


def _bounded(match: re.Match[str]) -> str:
    """A `{m,n}` quantifier with bounds above MAX_REPEAT relaxed (`*`/`+`)."""
    low = int(match.group(1))
    high = low if match.group(2) is None else (int(match.group(2)) if match.group(2) else None)
    if high is not None and high > MAX_REPEAT:
        high = None
    if low > MAX_REPEAT:
        low = 1
    if high is None:
        return "*" if low == 0 else "+" if low == 1 else f"{{{low},}}"
    return f"{{{low}}}" if low == high else f"{{{low},{high}}}"
