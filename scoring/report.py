"""The score report: everything needed to explain each point lost, serialised canonically."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel

Severity = Literal["critical", "warning", "suggestion", "info"]
Metric = int | float | str | bool | None | list[str] | dict[str, int]
_FLOAT_DIGITS = 6


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class Issue(_Model):
    """One finding; `line` is 0 when it concerns a whole file or the project."""

    code: str
    severity: Severity
    file: str
    line: int
    message: str

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line, self.code, self.message)


class GateReport(_Model):
    passed: bool
    soft: bool
    score: int
    failed_at: Literal["no-source", "no-artifacts", "syntax", "type"] | None
    counts: dict[str, int]
    metrics: dict[str, Metric]


class AxisReport(_Model):
    id: str
    score: int
    weight: float
    metrics: dict[str, Metric]


class PenaltyPart(_Model):
    id: str
    points: float
    raw: int
    inputs: dict[str, Metric]


class PenaltyReport(_Model):
    total: float
    raw_sum: int
    cap: int
    parts: list[PenaltyPart]


class ProfileEffect(_Model):
    """A rule switch of the report's profile that another known profile sets otherwise, where it moved this score."""

    rule: str
    setting: str
    alternative: str
    profiles: list[str]  # the known profiles with the alternative setting
    points: dict[str, int]  # axis -> its score under `setting` minus its score under `alternative` (moved axes only)
    total: int  # the same difference for the total, penalties and gate multiplier included


class ScoreReport(_Model):
    scorer_version: str
    profile: str
    profile_effects: list[ProfileEffect] = []  # absent from reports written before profiles
    gate: GateReport
    axes: list[AxisReport]
    absent_axes: list[str]
    raw: float
    multiplier: float
    penalties: PenaltyReport | None
    total: int
    grade: Literal["A", "B", "C", "D", "F"]
    issues: list[Issue]

    @model_validator(mode="before")
    @classmethod
    def _weight_set_was_the_profile(cls, data: Any) -> Any:
        """Reports written before profiles name their weight set `weights`; each such id is now a profile's."""
        if isinstance(data, dict) and "weights" in data and "profile" not in data:
            return {**{key: value for key, value in data.items() if key != "weights"}, "profile": data["weights"]}
        return data

    def to_json(self) -> str:
        """Canonical JSON: camelCase keys sorted, floats fixed to 6 decimals, no whitespace variance."""
        return json.dumps(_canonical(self.model_dump(mode="json", by_alias=True)), sort_keys=True,
                          ensure_ascii=False, separators=(",", ":")) + "\n"


def _canonical(value: object) -> object:
    if isinstance(value, float):
        rounded = round(value, _FLOAT_DIGITS)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def grade(total: int) -> Literal["A", "B", "C", "D", "F"]:
    """A >= 90, B >= 80, C >= 70, D >= 60, else F."""
    for letter, floor in (("A", 90), ("B", 80), ("C", 70), ("D", 60)):
        if total >= floor:
            return letter  # type: ignore[return-value]
    return "F"
