"""Scoring profiles: versioned data files (one JSON file per profile) of axis weights and rule switches.

A profile fixes everything about a score that is a judgement rather than a fact of the tree, so two
scores compare only under the same profile id. `scoring/PROFILES.md` explains each rule switch.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

AXES = ("documentation", "requirements", "tests", "logic", "api", "golden")
DEFAULT = "benchfarm-2026.12"
_DIR = Path(__file__).parent
StubRule = Literal["autobe", "strict"]


class Rules(BaseModel):
    """Rule switches: every profile file states each one, so a new switch cannot change an old profile silently.
    `scoring/PROFILES.md` says which AutoBe commit each setting follows and why benchfarm chose its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stubs: StubRule = Field(description=
        "autobe: AutoBe's text rules for empty and stub bodies, blind spots included; "
        "strict: a random-value or mock return is a stub wherever it stands")
    documentation: Literal["basic", "graded"] = Field(description=
        "basic: tiered counts (AutoBe before 5b40825); graded: interpolated counts, length scaled by controllers, "
        "graded headers and keywords, word depth, topics, README code blocks (AutoBe 5b40825)")
    boilerplate: Literal["any_case", "upper_case_markers"] = Field(description=
        "any_case: AutoBe's placeholder words in any case (the basic list includes 'todo'); "
        "upper_case_markers: TODO and TBD count only in upper case")
    test_quality: Literal["autobe_text", "parsed_calls"] = Field(description=
        "autobe_text: AutoBe's assertion and test-structure patterns over the raw text; "
        "parsed_calls: calls in code only, TestValidator.* counting as assertions")
    routes: Literal["autobe_text", "parsed_decorators"] = Field(description=
        "autobe_text: double-quoted @Controller and @TypedRoute.X paths read by AutoBe's patterns; "
        "parsed_decorators: every route decorator as parsed, '-' and '_' equal in path segments")
    coverage_breadth: Literal["share_over_half", "mean"] = Field(description=
        "share_over_half: share of controllers more than half covered (AutoBe c4342ae); "
        "mean: mean per-controller coverage (AutoBe 5b40825)")
    coverage_fallback: Literal["flat", "sliding"] = Field(description=
        "without routes: flat x0.9 (AutoBe c4342ae) or sliding x0.85..0.95 by score (AutoBe 5b40825)")
    requirements_matching: Literal["names", "forms", "word_forms"] = Field(description=
        "names: equal name or domain only (AutoBe c4342ae); forms: provider name forms, separators dropped, "
        "containment (AutoBe a814f34); word_forms: forms with a leading verb stripped only at a word boundary")
    requirements_scoring: Literal["tiered", "continuous"] = Field(description=
        "tiered: provider depth and mapping penalty/bonus in tiers (AutoBe c4342ae); "
        "continuous: both interpolated (AutoBe 5b40825)")
    gate_multiplier: Literal["steep", "gentle"] = Field(description=
        "steep: 0.7 + 0.3 * gate/100 (AutoBe c4342ae); gentle: 0.85 + 0.15 * gate/100 (AutoBe 0af7bb5)")
    failed_gate: Literal["zero", "partial"] = Field(description=
        "total when the gate fails: zero (AutoBe c4342ae) or the gate's partial credit (rubric)")
    penalty_combination: Literal["sequential", "proportional", "capped_sum"] = Field(description=
        "sequential: subtracted one by one, floored at 0, excess over 30 given back (AutoBe c4342ae); "
        "proportional: parts scaled to a cap of 20 and rounded one by one (AutoBe 0af7bb5); "
        "capped_sum: min(20, raw sum) (AutoBe 238033a)")
    gate_charged_warnings: Literal["ts", "ts_and_prisma"] = Field(description=
        "warning codes the warnings penalty leaves to the gate: TS only (AutoBe c4342ae) or TS and P (5b40825)")
    missing_types: Literal["free", "charged"] = Field(description=
        "charged: +3 schema-sync points when no DTO type is found (AutoBe 238033a)")
    empty_interfaces: Literal["multiline", "same_line"] = Field(description=
        "multiline: an interface whose braces close within 2 blank lines is empty (AutoBe c4342ae); "
        "same_line: only `{}` on the declaring line (AutoBe 42f754d)")
    sync_specification: Literal["nearby_lines", "same_comment"] = Field(description=
        "where a tagged DTO property's Prisma model is read: the nearest @x-autobe-specification 5 lines above "
        "or on the next line (AutoBe), or the one in the property's own comment")


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    description: str
    weights: dict[str, float] = Field(description="axis id -> non-negative weight; every axis of AXES present")
    rules: Rules

    @field_validator("weights")
    @classmethod
    def _every_axis_non_negative(cls, weights: dict[str, float]) -> dict[str, float]:
        if sorted(weights) != sorted(AXES):
            raise ValueError(f"has axes {sorted(weights)}, expected {sorted(AXES)}")
        negative = {axis: w for axis, w in weights.items() if w < 0}
        if negative:
            raise ValueError(f"has negative values {negative}")
        return weights


def available(directory: Path = _DIR) -> list[str]:
    """Ids of the profiles in `directory` (default: those shipped with the scorer), sorted."""
    return sorted(path.stem for path in directory.glob("*.json"))


def _field_errors(exc: ValidationError) -> str:
    return "; ".join(f"field {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors())


@lru_cache(maxsize=None)
def load(profile: str, directory: Path = _DIR) -> Profile:
    """Read and check one profile; errors name the file and the offending field."""
    if profile not in available(directory):
        raise ValueError(f"unknown profile {profile!r}; available: {', '.join(available(directory))}")
    path = directory / f"{profile}.json"
    try:
        loaded = Profile.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ValueError(f"{path.name}: {_field_errors(exc)}") from None
    if loaded.id != profile:
        raise ValueError(f"{path.name}: field id is {loaded.id!r}, expected the file stem {profile!r}")
    return loaded


def known(directory: Path = _DIR) -> list[Profile]:
    """Every profile in `directory`, by id: the alternatives a report's profile effects are measured against."""
    return [load(profile, directory) for profile in available(directory)]
