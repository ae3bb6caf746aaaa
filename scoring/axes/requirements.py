"""Requirements coverage axis, counted as AutoBe's `requirements-coverage.evaluator.ts` counts.

The part that discriminates is how controllers map to providers by file name (the `requirements_matching`
rule). Since a814f34 AutoBe compares each controller's name with up to three forms of each provider's
name (verb dropped; verb and `…Id` path-parameter words dropped; as is): equal, equal once CRUD verbs
and suffixes go, or one containing the other (both at least 3 characters long). Before, in March, it
compared the lower-cased names as they are: equal, or equal domains (its word containment, run on
names already lower-cased, is equality again). How the points follow from the mapping is the
`requirements_scoring` rule: tiers (March) or interpolation (5b40825).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from scoring.axes.base import AxisResult, tiered
from scoring.axes.documentation import analysis_documents
from scoring.penalties import js_length, js_trim
from scoring.profiles import Rules
from scoring.project import Project
from scoring.report import Issue, Severity
from scoring.rounding import ratio, round_half_up

MIN_MATCH_CHARS = 3
SHOWN_UNMAPPED = 5
_PROVIDER_SUFFIX = re.compile(r"Provider$", re.IGNORECASE)
HTTP_VERBS = "get|post|patch|put|delete"
CRUD_VERBS = f"{HTTP_VERBS}|create|update|remove"
_HTTP_VERB_PREFIX = re.compile(f"^(?:{HTTP_VERBS})", re.IGNORECASE)
_PATH_PARAMETER = re.compile(r"[A-Z][a-z]*Id(?=[A-Z]|$)")
_CRUD_VERB_PREFIX = re.compile(f"^(?:{CRUD_VERBS})", re.IGNORECASE)
# benchfarm: a verb is a word of its own only when no lower-case letter follows it ("getItems", not "getaway").
_HTTP_VERB_WORD = re.compile(f"^(?i:{HTTP_VERBS})(?![a-z])")
_CRUD_VERB_WORD = re.compile(f"^(?i:{CRUD_VERBS})(?![a-z])")
_ROLE_SUFFIX = re.compile(r"(?:controller|provider|service|module)$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[_\-]")


def _normalise(name: str) -> str:
    return _SEPARATORS.sub("", name).lower()


def _stem(path: str) -> str:
    """`path.basename(file, ".ts")`."""
    name = PurePosixPath(path).name
    return name[:-3] if name.endswith(".ts") and name != ".ts" else name


def _without_controller(path: str) -> str:
    """The stem without its first "controller" in any case (AutoBe lower-cases first, then drops it)."""
    return re.sub("controller", "", _stem(path), count=1, flags=re.IGNORECASE)


def controller_key(path: str) -> str:
    """`TodoItemsController.ts` -> `todoitems`: lower-cased, the first "controller" and `_`/`-` removed."""
    return _normalise(_without_controller(path))


def _provider_forms(path: str, verb: re.Pattern[str]) -> list[str]:
    """The provider name without the verb `verb` finds; without verb and `…Id` words (when that differs); as is."""
    raw = _PROVIDER_SUFFIX.sub("", _stem(path))
    without_verb = verb.sub("", raw, count=1)
    without_ids = _PATH_PARAMETER.sub("", without_verb)
    return [without_verb, *([without_ids] if without_ids != without_verb else []), raw]


def provider_keys(path: str) -> tuple[str, ...]:
    """`getTodoItemsItemId.ts` -> (`todoitemsitemid`, `todoitems`, `gettodoitemsitemid`)."""
    return tuple(_normalise(form) for form in _provider_forms(path, _HTTP_VERB_PREFIX))


def _domain_of(name: str, verb: re.Pattern[str]) -> str:
    rest = js_trim(_ROLE_SUFFIX.sub("", verb.sub("", name, count=1), count=1))
    return rest if js_length(rest) >= MIN_MATCH_CHARS else ""


def domain(key: str) -> str:
    """The key without a leading CRUD verb and a trailing role word; "" when under 3 characters remain."""
    return _domain_of(key, _CRUD_VERB_PREFIX)


@dataclass(frozen=True)
class Name:
    """One form of a controller or provider name: the key compared whole, and its domain ("" when too short)."""

    key: str
    domain: str


def _keyed(key: str) -> Name:
    return Name(key, domain(key))


def _word_keyed(form: str) -> Name:
    """The key of `form`, its domain read before lower-casing, so that a verb goes only as a word of its own."""
    return Name(_normalise(form), _normalise(_domain_of(form, _CRUD_VERB_WORD)))


@dataclass(frozen=True)
class Matching:
    """How one `requirements_matching` setting names controllers and providers, and whether containment matches."""

    controller: Callable[[str], Name]
    provider: Callable[[str], tuple[Name, ...]]
    containment: bool


MATCHINGS = {
    # AutoBe c4342ae: lower-cased names, the first "controller" / "provider" dropped wherever it stands.
    "names": Matching(controller=lambda path: _keyed(_stem(path).lower().replace("controller", "", 1)),
                      provider=lambda path: (_keyed(_stem(path).lower().replace("provider", "", 1)),),
                      containment=False),
    "forms": Matching(controller=lambda path: _keyed(controller_key(path)),
                      provider=lambda path: tuple(_keyed(key) for key in provider_keys(path)), containment=True),
    "word_forms": Matching(controller=lambda path: _word_keyed(_without_controller(path)),
                           provider=lambda path: tuple(_word_keyed(form)
                                                       for form in _provider_forms(path, _HTTP_VERB_WORD)),
                           containment=True),
}


def names_match(controller: Name, provider: Name, containment: bool) -> bool:
    if controller.key == provider.key or (controller.domain and controller.domain == provider.domain):
        return True
    return (containment and js_length(controller.key) >= MIN_MATCH_CHARS and js_length(provider.key) >= MIN_MATCH_CHARS
            and (controller.key in provider.key or provider.key in controller.key))


def keys_match(controller: str, provider: str) -> bool:
    """AutoBe's April match of two keys (`forms`)."""
    return names_match(_keyed(controller), _keyed(provider), containment=True)


def _finding(code: str, severity: Severity, message: str) -> Issue:
    """AutoBe's requirements findings concern the project, so de-duplication keeps one per code."""
    return Issue(code=code, severity=severity, file="src", line=0, message=message)


def _tiered_adjustment(mapping: float) -> tuple[int, int, list[Issue]]:
    """(penalty, bonus, issues): below 0.3 the steep penalty alone, from 0.3 to below 0.6 the gentle one;
    +10 from 0.8."""
    if mapping < 0.3:
        return round_half_up((0.3 - mapping) / 0.3 * 30), 0, [_low_mapping("critical", mapping)]
    if mapping < 0.6:
        return round_half_up((0.6 - mapping) / 0.3 * 15), 0, [_low_mapping("warning", mapping)]
    return 0, 10 if mapping >= 0.8 else 0, []


def _continuous_adjustment(mapping: float) -> tuple[int, int, list[Issue]]:
    """(penalty, bonus, issues): -30 at 0 rising to 0 at 0.6, then +10 at 1.0, each rounded."""
    if mapping < 0.6:
        severity: Severity = "critical" if mapping < 0.3 else "warning"
        return round_half_up((0.6 - mapping) / 0.6 * 30), 0, [_low_mapping(severity, mapping)]
    return 0, round_half_up((mapping - 0.6) / 0.4 * 10), []


def _low_mapping(severity: Severity, mapping: float) -> Issue:
    level = "very low" if severity == "critical" else "low"
    return _finding("REQ006", severity, f"{level} controller-provider mapping: {round_half_up(mapping * 100)}%")


def _depth_points(per_controller: float, scoring: str) -> int:
    if scoring == "tiered":
        return tiered(per_controller, ((2, 10), (1.5, 7), (1, 5)))
    return min(10, round_half_up(per_controller / 2 * 10))


def requirements_axis(project: Project, rules: Rules) -> AxisResult:
    tree = project.tree
    controllers, providers = tree.controllers, tree.providers
    matching = MATCHINGS[rules.requirements_matching]
    provider_names = sorted({name for path in providers for name in matching.provider(path)},
                            key=lambda name: (name.key, name.domain))
    unmapped = [path for path in controllers if not any(
        names_match(matching.controller(path), name, matching.containment) for name in provider_names)]
    mapping = ratio(len(controllers) - len(unmapped), len(controllers))
    per_controller = ratio(len(providers), len(controllers))
    has_docs = bool(analysis_documents(tree))
    adjust = _tiered_adjustment if rules.requirements_scoring == "tiered" else _continuous_adjustment
    penalty, bonus, mapping_issues = adjust(mapping) if controllers else (0, 0, [])
    parts = {
        "controllers": 10 if controllers else 0,
        "providers": 10 if providers else 0,
        "mapping": round_half_up(45 * mapping),
        "structures": 10 if tree.structures else 0,
        "providersPerController": _depth_points(per_controller, rules.requirements_scoring) if controllers else 0,
        "analysisDocs": 5 if has_docs else 0,
        "mappingPenalty": -penalty,
        "mappingBonus": bonus,
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
        *mapping_issues,
    ]
    metrics = {
        "controllers": len(controllers), "providers": len(providers), "structures": len(tree.structures),
        "mappedControllers": len(controllers) - len(unmapped), "mappingRatio": mapping,
        "providersPerController": per_controller, "unmappedControllers": sorted(unmapped), "points": parts,
    }
    return AxisResult("requirements", max(0, min(100, sum(parts.values()))), metrics, issues)
