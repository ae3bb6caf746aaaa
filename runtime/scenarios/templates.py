"""`{{...}}` values in steps: captured variables and fresh generated data.

`{{alice.token}}` is a variable saved by an earlier step (or seeded). `{{$email}}`, `{{$password}}`,
`{{$username}}`, `{{$unique}}`, `{{$uuid}}` are fresh on every use, so scenarios never collide on a
server that keeps data between runs; `{{$now}}`, `{{$days:N}}` (now + N days, ISO 8601 UTC),
`{{$date:N}}` (the date only) and `{{$text:N}}` (N characters) make dates and lengths. Filters:
`|upper`, `|lower`, `|or:OTHER.VARIABLE` (when the first is not saved), `|default:VALUE`. A string
that is one whole template keeps the value's type (an id stays a number, an object an object).
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

_TEMPLATE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_MISSING = object()


class MissingVariable(LookupError):
    """A template named a variable that no earlier step saved."""


def unique() -> str:
    return secrets.token_hex(5)


def generate(name: str) -> Any:
    """A fresh value for `$name[:arg]`; the generated password satisfies every catalog project's
    rule (10+ characters, letters and digits)."""
    kind, _, arg = name.partition(":")
    now = datetime.now(UTC)
    match kind:
        case "email":
            return f"scn.{unique()}@example.com"
        case "password":
            return f"Pw{secrets.token_hex(5)}9z"
        case "username":
            return f"u_{secrets.token_hex(5)}"
        case "unique":
            return unique()
        case "uuid":
            return str(uuid.uuid4())
        case "now":
            return now.isoformat().replace("+00:00", "Z")
        case "days":
            return (now + timedelta(days=float(arg or 0))).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        case "date":
            return (now + timedelta(days=float(arg or 0))).date().isoformat()
        case "text":
            return ("lorem ipsum " * (int(arg) // 12 + 1))[: int(arg)]
    raise ValueError(f"unknown generator ${name}")


def lookup(variables: dict[str, Any], name: str) -> Any:
    """A variable by dotted name; `a.b` is either saved flat or nested inside `a`."""
    if name in variables:
        return variables[name]
    head, _, rest = name.partition(".")
    value = variables.get(head, _MISSING)
    for part in rest.split(".") if rest else []:
        value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
    if value is _MISSING:
        raise MissingVariable(name)
    return value


def _evaluate(expression: str, variables: dict[str, Any]) -> Any:
    name, *filters = [part.strip() for part in expression.split("|")]
    value: Any = _MISSING
    for candidate in [name, *(f.removeprefix("or:") for f in filters if f.startswith("or:"))]:
        try:
            value = generate(candidate[1:]) if candidate.startswith("$") else lookup(variables, candidate)
            break
        except MissingVariable:
            continue
    if value is _MISSING:
        defaults = [f.removeprefix("default:") for f in filters if f.startswith("default:")]
        if not defaults:
            raise MissingVariable(name)
        value = defaults[0]
    for f in filters:
        if f == "upper":
            value = str(value).upper()
        elif f == "lower":
            value = str(value).lower()
        elif not f.startswith(("default:", "or:")):
            raise ValueError(f"unknown template filter |{f}")
    return value


def render(value: Any, variables: dict[str, Any]) -> Any:
    """The value with every template replaced, recursively through lists and mappings."""
    if isinstance(value, str):
        whole = _TEMPLATE.fullmatch(value.strip())
        if whole:
            return _evaluate(whole.group(1), variables)
        return _TEMPLATE.sub(lambda m: str(_evaluate(m.group(1), variables)), value)
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    if isinstance(value, dict):
        return {render(k, variables): render(v, variables) for k, v in value.items()}
    return value
