"""Requirements coverage axis, counted as AutoBe's `requirements-coverage.evaluator.ts` counts.

The part that discriminates is how controllers map to providers by file name. AutoBe compares each
controller's name with up to three forms of each provider's name (verb dropped; verb and `…Id`
path-parameter words dropped; as is): equal, equal once CRUD verbs and suffixes go, or one containing
the other (both at least 3 characters long).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from scoring.axes.base import AxisResult, tiered
from scoring.axes.documentation import analysis_documents
from scoring.penalties import js_length, js_trim
from scoring.project import Project
from scoring.report import Issue, Severity
from scoring.rounding import ratio, round_half_up

MIN_MATCH_CHARS = 3
SHOWN_UNMAPPED = 5
_PROVIDER_SUFFIX = re.compile(r"Provider$", re.IGNORECASE)
_HTTP_VERB_PREFIX = re.compile(r"^(?:get|post|patch|put|delete)", re.IGNORECASE)
_PATH_PARAMETER = re.compile(r"[A-Z][a-z]*Id(?=[A-Z]|$)")
_CRUD_VERB_PREFIX = re.compile(r"^(?:get|post|patch|put|delete|create|update|remove)", re.IGNORECASE)
_ROLE_SUFFIX = re.compile(r"(?:controller|provider|service|module)$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[_\-]")


def _normalise(name: str) -> str:
    return _SEPARATORS.sub("", name).lower()


def _stem(path: str) -> str:
    """`path.basename(file, ".ts")`."""
    name = PurePosixPath(path).name
    return name[:-3] if name.endswith(".ts") and name != ".ts" else name


def controller_key(path: str) -> str:
    """`TodoItemsController.ts` -> `todoitems`: lower-cased, the first "controller" and `_`/`-` removed."""
    return _normalise(_stem(path).lower().replace("controller", "", 1))


def provider_keys(path: str) -> tuple[str, ...]:
    """`getTodoItemsItemId.ts` -> (`todoitemsitemid`, `todoitems`, `gettodoitemsitemid`)."""
    raw = _PROVIDER_SUFFIX.sub("", _stem(path))
    without_verb = _HTTP_VERB_PREFIX.sub("", raw, count=1)
    without_ids = _PATH_PARAMETER.sub("", without_verb)
    forms = [without_verb, *([without_ids] if without_ids != without_verb else []), raw]
    return tuple(_normalise(form.lower()) for form in forms)


def domain(key: str) -> str:
    """The key without a leading CRUD verb and a trailing role word; "" when under 3 characters remain."""
    rest = js_trim(_ROLE_SUFFIX.sub("", _CRUD_VERB_PREFIX.sub("", key, count=1), count=1))
    return rest if js_length(rest) >= MIN_MATCH_CHARS else ""


def keys_match(controller: str, provider: str) -> bool:
    if controller == provider:
        return True
    controller_domain, provider_domain = domain(controller), domain(provider)
    if controller_domain and controller_domain == provider_domain:
        return True
    return (js_length(controller) >= MIN_MATCH_CHARS and js_length(provider) >= MIN_MATCH_CHARS
            and (controller in provider or provider in controller))


def _finding(code: str, severity: Severity, message: str) -> Issue:
    """AutoBe's requirements findings concern the project, so de-duplication keeps one per code."""
    return Issue(code=code, severity=severity, file="src", line=0, message=message)


def _mapping_penalty(mapping: float) -> tuple[int, list[Issue]]:
    """Below 0.3 the steep penalty alone applies; from 0.3 to below 0.6 the gentle one."""
    if mapping < 0.3:
        return round_half_up((0.3 - mapping) / 0.3 * 30), [
            _finding("REQ006", "critical", f"very low controller-provider mapping: {round_half_up(mapping * 100)}%")]
    if mapping < 0.6:
        return round_half_up((0.6 - mapping) / 0.3 * 15), [
            _finding("REQ006", "warning", f"low controller-provider mapping: {round_half_up(mapping * 100)}%")]
    return 0, []


def requirements_axis(project: Project) -> AxisResult:
    tree = project.tree
    controllers, providers = tree.controllers, tree.providers
    provider_forms = sorted({key for path in providers for key in provider_keys(path)})
    unmapped = [path for path in controllers
                if not any(keys_match(controller_key(path), key) for key in provider_forms)]
    mapping = ratio(len(controllers) - len(unmapped), len(controllers))
    per_controller = ratio(len(providers), len(controllers))
    has_docs = bool(analysis_documents(tree))
    penalty, penalty_issues = _mapping_penalty(mapping) if controllers else (0, [])
    parts = {
        "controllers": 10 if controllers else 0,
        "providers": 10 if providers else 0,
        "mapping": round_half_up(45 * mapping),
        "structures": 10 if tree.structures else 0,
        "providersPerController": tiered(per_controller, ((2, 10), (1.5, 7), (1, 5))) if controllers else 0,
        "analysisDocs": 5 if has_docs else 0,
        "mappingPenalty": -penalty,
        "mappingBonus": 10 if mapping >= 0.8 else 0,
    }
    names = [_stem(path) for path in unmapped]
    more = f" and {len(names) - SHOWN_UNMAPPED} more" if len(names) > SHOWN_UNMAPPED else ""
    issues = [
        *([] if controllers else [_finding("REQ001", "critical", "no controllers: API endpoints not implemented")]),
        *([] if providers else [_finding("REQ002", "critical", "no providers: business logic not implemented")]),
        *([] if tree.structures else [_finding("REQ003", "warning", "no DTO structures")]),
        *([] if has_docs else [_finding("REQ004", "warning", "no requirements documents in docs/analysis/")]),
        *([_finding("REQ005", "warning", f"{len(unmapped)} controller(s) map to no provider: "
                    f"{', '.join(names[:SHOWN_UNMAPPED])}{more}")] if unmapped else []),
        *penalty_issues,
    ]
    metrics = {
        "controllers": len(controllers), "providers": len(providers), "structures": len(tree.structures),
        "mappedControllers": len(controllers) - len(unmapped), "mappingRatio": mapping,
        "providersPerController": per_controller, "unmappedControllers": sorted(unmapped), "points": parts,
    }
    return AxisResult("requirements", max(0, min(100, sum(parts.values()))), metrics, issues)
