"""Load a round file (YAML) into a RoundSpec, reporting *every* problem with its path and value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from farm.catalog import Project, load_project
from farm.spec import RoundSpec

_MESSAGES = {
    "greater_than_equal": "must be ≥ {ge}",
    "greater_than": "must be > {gt}",
    "less_than_equal": "must be ≤ {le}",
    "less_than": "must be < {lt}",
    "extra_forbidden": "unknown key",
    "missing": "required",
    "string_pattern_mismatch": "must match {pattern}",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} item(s)",
}


class RoundFileError(Exception):
    """A round file that cannot be used; `problems` lists every one found, each with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class LoadedRound:
    spec: RoundSpec
    projects: list[Project]
    source: str


def format_loc(loc: tuple[Any, ...]) -> str:
    """('models', 2, 'prices', 'input') -> 'models[2].prices.input'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _plain(value: Any) -> Any:
    """0.0 -> 0 in messages: the file said 0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _describe(error: Any) -> str:
    template = _MESSAGES.get(error["type"])
    ctx = {k: _plain(v) for k, v in (error.get("ctx") or {}).items()}
    if template:
        message = template.format(**ctx)
    else:
        message = str(error["msg"])
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        message = message[0].lower() + message[1:] if message else message
    if error["type"] == "missing" or ", got " in message:
        return message
    return f"{message}, got {error['input']!r}"


def validation_problems(exc: ValidationError) -> list[str]:
    """Every pydantic error as 'path: message, got value' (union noise from tagged types dropped)."""
    problems = []
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and "[" in part))
        problems.append(f"{format_loc(loc)}: {_describe(error)}")
    return list(dict.fromkeys(problems))


def parse_round(data: Any, source: str = "<round>", base_dir: Path | None = None) -> LoadedRound:
    if not isinstance(data, dict):
        raise RoundFileError(source, [f"(top level): must be a mapping, got {type(data).__name__}"])
    problems: list[str] = []
    try:
        spec = RoundSpec.model_validate(data)
    except ValidationError as exc:
        problems += validation_problems(exc)
        spec = None
    refs = data.get("projects")
    projects = []
    for index, ref in enumerate(refs if isinstance(refs, list) else []):
        if not isinstance(ref, str):
            continue  # reported by the spec's validation
        try:
            projects.append(load_project(ref, base_dir))
        except ValueError as exc:
            problems.append(f"projects[{index}]: {exc}")
    names = [project.name for project in projects]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"projects: two projects are both named {name!r}")
    if problems or spec is None:
        raise RoundFileError(source, problems)
    return LoadedRound(spec=spec, projects=projects, source=source)


def load_round(path: Path) -> LoadedRound:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RoundFileError(str(path), [f"cannot read: {exc.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RoundFileError(str(path), [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    return parse_round(data, str(path), path.parent)
