"""Requirements coverage axis: controllers, providers, DTOs and how controllers map to providers."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from scoring.axes.base import AxisResult, tiered
from scoring.project import Project
from scoring.report import Issue
from scoring.rounding import ratio, round_half_up

MIN_MATCH_CHARS = 3
_HTTP_VERB_PREFIX = re.compile(r"^(get|post|patch|put|delete)(?=[A-Z_])")
_PATH_PARAMETER = re.compile(r"[A-Z][a-z0-9]*Id(?=[A-Z_]|$)")
_CRUD_VERB_PREFIX = re.compile(r"^(create|read|update|delete|erase|remove|get|list|find|search|index|at|patch|post|put)")
_DOMAIN_SUFFIX = re.compile(r"(controller|provider|service|s)$")


def _squash(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def controller_key(path: str) -> str:
    """`ShoppingSalesController.ts` -> `shoppingsales`."""
    return _squash(PurePosixPath(path).stem.replace("Controller", ""))


def provider_key(path: str) -> str:
    """`getShoppingSalesSaleId.ts` -> `shoppingsales` (verb, `…Id` path parameters and "Provider" dropped)."""
    stem = _HTTP_VERB_PREFIX.sub("", PurePosixPath(path).stem)
    return _squash(_PATH_PARAMETER.sub("", stem).replace("Provider", ""))


def _domain(key: str) -> str:
    return _DOMAIN_SUFFIX.sub("", _CRUD_VERB_PREFIX.sub("", key))


def keys_match(controller: str, provider: str) -> bool:
    """Equal; or equal domain once CRUD verbs and suffixes go; or one contains the other (>= 3 chars)."""
    if controller == provider:
        return True
    left, right = _domain(controller), _domain(provider)
    if len(left) >= MIN_MATCH_CHARS and left == right:
        return True
    shorter, longer = sorted((controller, provider), key=len)
    return len(shorter) >= MIN_MATCH_CHARS and shorter in longer


def requirements_axis(project: Project) -> AxisResult:
    tree = project.tree
    controllers, providers = tree.controllers, tree.providers
    provider_keys = sorted({provider_key(path) for path in providers})
    unmapped = [path for path in controllers if not any(keys_match(controller_key(path), key) for key in provider_keys)]
    mapping = ratio(len(controllers) - len(unmapped), len(controllers))
    per_controller = ratio(len(providers), len(controllers))
    parts = {
        "controllers": 10 if controllers else 0,
        "providers": 10 if providers else 0,
        "mapping": round_half_up(45 * mapping),
        "structures": 10 if tree.structures else 0,
        "providersPerController": tiered(per_controller, ((2, 10), (1.5, 7), (1, 5))) if controllers else 0,
        "analysisDocs": 5 if tree.analysis_docs else 0,
        "mappingBonus": 10 if mapping >= 0.8 else 0,
        "lowMappingPenalty": -round_half_up((0.3 - mapping) / 0.3 * 30) if mapping < 0.3 else 0,
        "partialMappingPenalty": -round_half_up((0.6 - mapping) / 0.3 * 15) if mapping < 0.6 else 0,
    }
    metrics = {
        "controllers": len(controllers), "providers": len(providers), "structures": len(tree.structures),
        "mappedControllers": len(controllers) - len(unmapped), "mappingRatio": mapping,
        "providersPerController": per_controller, "points": parts,
    }
    issues = [Issue(code="REQ001", severity="info", file=path, line=0, message="controller maps to no provider by name")
              for path in unmapped]
    return AxisResult("requirements", max(0, min(100, sum(parts.values()))), metrics, issues)
