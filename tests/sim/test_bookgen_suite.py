"""The Golden Set suite of a generated book (farm.sim.bookgen.suite): loaded by runtime.scenarios as a
custom project's suite, sized, deterministic, citing real lines of the generated analysis, and every
contract resolving to the very route it means in the book's own openapi.json.

That a clean generated backend passes it whole is played live by
tests/integration/test_demo_generated.py (`farm demo --project reddit --size small`, whose verify job
plays the suite written beside the requirements file).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from farm.sim.bookgen import PRESETS, Spec, preset
from farm.sim.bookgen.api import ApiRoute, design_api
from farm.sim.bookgen.domain import build_domain
from farm.sim.bookgen.interface import application
from farm.sim.bookgen.suite import ANALYSIS_SUFFIX, GoldenSuite, golden_suite, write_golden_suite
from runtime.scenarios.resolver import Resolved, resolve_all
from runtime.scenarios.suite import CATEGORIES, SUITE_SUFFIX, Suite, expand, load_suite
from workers.phases.interface.openapi import build_openapi

SIZES = {"small": (15, 30), "reddit": (40, 70), "shopping": (40, 70), "erp": (40, 70)}


@cache
def suite_of(name: str, seed: int = 0) -> GoldenSuite:
    spec = preset(name, seed)
    return golden_suite(spec, spec.project)


@cache
def routes_of(name: str) -> list[ApiRoute]:
    spec = preset(name)
    return design_api(spec, build_domain(spec))


def parsed(found: GoldenSuite) -> Suite:
    return Suite.model_validate(found.suite)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_every_preset_is_sized() -> None:
    assert set(SIZES) == set(PRESETS)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_written_beside_the_requirements_and_loaded_as_a_custom_projects_suite(name: str, tmp_path: Path) -> None:
    spec = preset(name)
    requirements = tmp_path / f"{spec.project}.md"
    requirements.write_text("the requirement text\n", encoding="utf-8")
    path = write_golden_suite(spec, requirements, "a test")
    assert path == tmp_path / f"{spec.project}{SUITE_SUFFIX}"
    suite = load_suite(str(requirements))  # as the verify job and `farm verify --project FILE` find it
    assert suite.requirements_path() == tmp_path / f"{spec.project}{ANALYSIS_SUFFIX}"
    low, high = SIZES[name]
    assert low <= len(suite.scenarios) <= high
    spread = Counter(s.category for s in suite.scenarios)
    assert set(spread) == set(CATEGORIES) and spread["negative"] >= 5, spread
    # the citations quote the analysis written beside it, on the line they name
    lines = suite.requirements_path().read_text(encoding="utf-8").splitlines()
    for scenario in suite.scenarios:
        assert scenario.cites, scenario.id
        for cite in scenario.cites:
            at = _normal(lines[cite.line - 1]).find(_normal(cite.text))
            assert at >= 0, f"{scenario.id}: line {cite.line} {cite.text!r}"


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_contract_resolves_to_its_own_route(name: str) -> None:
    routes = routes_of(name)
    document = build_openapi(application(routes), "generated")
    suite = parsed(suite_of(name))
    meant = {f"{r.entity.noun}.{r.action}": (r.method.upper(), r.path) for r in routes}
    for endpoint, found in resolve_all(suite.endpoints, document).items():
        assert isinstance(found, Resolved), found
        assert (found.operation.method, found.operation.path) == meant[endpoint], (endpoint, found.operation.label)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_deterministic_for_a_spec(name: str) -> None:
    spec = preset(name)
    again = golden_suite(Spec(spec.project, spec.size, spec.seed), spec.project)
    assert again.yaml() == suite_of(name).yaml() and again.analysis == suite_of(name).analysis


def test_another_seed_designs_another_api_and_so_another_suite() -> None:
    assert suite_of("reddit", 1).yaml() != suite_of("reddit").yaml()


def test_what_the_small_suite_covers() -> None:
    """Each actor's account, each creatable entity's cycle, pages, refusals and linked records, played
    with the design's own names (bodies in the DTOs' property names, the label of each entity)."""
    suite = parsed(suite_of("small"))
    ids = {s.id for s in suite.scenarios}
    assert {"reddit-auth-member-join-login", "reddit-auth-member-refresh", "reddit-crud-comment",
            "reddit-crud-report", "reddit-query-comment-pages", "reddit-neg-comment-without-token",
            "reddit-neg-comment-missing-name", "reddit-neg-report-other-member", "reddit-flow-report-refers",
            "reddit-flow-comment-history"} <= ids
    cycle = next(s for s in suite.scenarios if s.id == "reddit-crud-comment")
    calls = [step.call for step in expand(cycle.steps, suite.fragments) if step.call]
    assert calls == ["member.join", "comment.create", "comment.index", "comment.update", "comment.index",
                     "comment.erase", "comment.index"]  # no `at` route for comments at this size: read in the list
    refers = next(s for s in suite.scenarios if s.id == "reddit-flow-report-refers")
    create = [step for step in refers.steps if step.call == "report.create"][0]
    assert create.body == {"reddit_comment_id": "{{t0.id}}", "name": "Linked report"}
    assert create.expect.equals == {"reddit_comment_id": "{{t0.id}}"}
