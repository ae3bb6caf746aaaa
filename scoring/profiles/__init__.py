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
    """Rule switches: every profile file states each one, so a new switch cannot change an old profile silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stubs: StubRule = Field(
        description="autobe: AutoBe's text rules for empty and stub bodies, blind spots included; "
                    "strict: a random-value or mock return is a stub wherever it stands")
    typed_prisma_client: bool = Field(
        description="type-check against a Prisma client typed from the project's own schema (for the toolchain)")


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
