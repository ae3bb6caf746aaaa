"""Versioned axis weight sets, kept as data files beside this module (one JSON file per set)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

AXES = ("documentation", "requirements", "tests", "logic", "api", "golden")
DEFAULT = "autobe-2026.04"
_DIR = Path(__file__).parent


class WeightSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    description: str
    weights: dict[str, float] = Field(description="axis id -> non-negative weight; every axis of AXES present")


def available(directory: Path = _DIR) -> list[str]:
    """Ids of the weight sets in `directory` (default: those shipped with the scorer), sorted."""
    return sorted(path.stem for path in directory.glob("*.json"))


@lru_cache(maxsize=None)
def load(weight_set: str, directory: Path = _DIR) -> WeightSet:
    """Read and check one weight set; errors name the file and the offending field."""
    path = directory / f"{weight_set}.json"
    if weight_set not in available(directory):
        raise ValueError(f"unknown weight set {weight_set!r}; available: {', '.join(available(directory))}")
    try:
        loaded = WeightSet.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc
    if loaded.id != weight_set:
        raise ValueError(f"{path.name}: field id is {loaded.id!r}, expected the file stem {weight_set!r}")
    if sorted(loaded.weights) != sorted(AXES):
        raise ValueError(f"{path.name}: field weights has axes {sorted(loaded.weights)}, expected {sorted(AXES)}")
    negative = {axis: w for axis, w in loaded.weights.items() if w < 0}
    if negative:
        raise ValueError(f"{path.name}: field weights has negative values {negative}")
    return loaded
