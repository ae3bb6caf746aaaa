"""Two monthly rounds of four models, covering every way a run can end, and a round of repeats under
two harness variants (see the expectations in the tests)."""

from __future__ import annotations

from farm.keys import contestant_id, run_project
from farm.store import Store
from tests.leaderboard.roundstore import (
    Calls,
    booted,
    hand_report,
    not_booted,
    ok_calls,
    real_todo_report,
    write_manifest,
    write_result,
    write_runtime,
    write_score,
    write_unfinished,
)

EARLIER, LATER = "2026-11", "2026-12"
NANO = "openai/gpt-5.4-nano"
QWEN = "qwen/qwen3.6-27b"
DEEPSEEK = "deepseek/deepseek-v4-flash"
LOCAL = "local/qwen3-coder-30b-a3b"
MISTRAL = "mistralai/mistral-small-3.2"
PHASES = ["analyze", "database"]
PROJECTS = ["todo", "reddit"]
ANALYZED = {"actors": 3, "documents": 5}
MODELLED = {"fields": 31, "models": 6, "namespaces": 2}
TIED_TOTAL = 85
QWEN_PROVIDER = "DeepInfra"  # who served QWEN's calls, as OpenRouter names it


def axes(doc: int, req: int, tests: int, logic: int, api: int) -> dict[str, int]:
    return {"documentation": doc, "requirements": req, "tests": tests, "logic": logic, "api": api}


NANO_REDDIT_AXES = axes(60, 90, 70, 80, 90)
# What `farm verify` found (runtime.json): NANO's backends boot (todo 27/33; reddit 9/13, 25 more
# skipped for want of a seeded veteran account); QWEN's todo does not build. LOCAL's reddit holds an
# infra report: the verify job stores none, but one copied from `farm verify --json` must not count
# against the model either.
NANO_TODO_RUNTIME = booted("todo", {"auth": (3, 0), "crud": (7, 0), "query": (7, 0), "negative": (6, 4),
                                    "workflow": (4, 2)}, e2e=(16, 16))
NANO_REDDIT_RUNTIME = booted("reddit", {"auth": (3, 1), "crud": (2, 0), "negative": (4, 3)}, e2e=(10, 12), skipped=25)
QWEN_TODO_RUNTIME = not_booted("todo", "build", "the code does not compile")
LOCAL_REDDIT_RUNTIME = not_booted("reddit", "install", "npm registry unreachable", fault="infra")


def _succeeded_run(store: Store, round_id: str, model: str, project: str, cost: float, provider: str | None = None) -> None:
    write_result(store, round_id, model, project, "analyze", ok_calls(1, cost, provider), ANALYZED)
    write_result(store, round_id, model, project, "database", ok_calls(2, cost, provider), MODELLED)


def write_later(store: Store) -> None:
    """2026-12: NANO and QWEN tie at 85.0 (QWEN cheaper); DEEPSEEK failed todo, reddit hit an infra failure;
    LOCAL was stopped by the budget on todo and awaits its score on reddit. Only NANO and QWEN are ranked.
    Verified live: both NANO runs, QWEN's todo (runtime_failed), LOCAL's reddit (the farm could not: infra);
    QWEN's reddit is not verified, nor are the runs of DEEPSEEK and LOCAL's todo, which never reached it."""
    write_manifest(store, LATER, [NANO, QWEN, DEEPSEEK, LOCAL], PROJECTS, PHASES, "December round")
    # NANO todo: the real scorer on the AutoBe todo fixture; its reddit score makes the mean exactly 85.
    # Its database phase needed retries on two of four operations (a 429 before an answer is no retry).
    write_result(store, LATER, NANO, "todo", "analyze", ok_calls(1, 0.01), ANALYZED)
    database = (Calls(cost=0.01).op("op-0", "success").op("op-1", "validation_failure", "success")
                .op("op-2", "transport:rate_limited", "success").op("op-3", "compile_failure", "compile_failure", "success"))
    write_result(store, LATER, NANO, "todo", "database", database, MODELLED)
    real = real_todo_report()
    write_score(store, LATER, NANO, "todo", real)
    _succeeded_run(store, LATER, NANO, "reddit", 0.01)
    write_score(store, LATER, NANO, "reddit", hand_report(2 * TIED_TOTAL - real.total, NANO_REDDIT_AXES))
    for project in PROJECTS:
        _succeeded_run(store, LATER, QWEN, project, 0.001, QWEN_PROVIDER)
        write_score(store, LATER, QWEN, project, hand_report(TIED_TOTAL, axes(80, 90, 80, 88, 85)))
    failed = Calls(cost=0.002).op("op-0", *["validation_failure"] * 4).op("op-1", "transport:timeout")
    write_result(store, LATER, DEEPSEEK, "todo", "analyze", failed, {}, outcome="model_failed",
                 reason="operation op-0: validation retries exhausted (4 failures, 3 retries allowed)")
    write_score(store, LATER, DEEPSEEK, "todo", hand_report(0))
    write_result(store, LATER, DEEPSEEK, "reddit", "analyze", ok_calls(1, 0.002), ANALYZED)
    write_unfinished(store, LATER, DEEPSEEK, "reddit", "database",
                     Calls().op("op-0", "transport:server_error", "transport:server_error"), "infra_failed")
    write_unfinished(store, LATER, LOCAL, "todo", "analyze",
                     Calls(cost=0.0).op("op-0", "success").op("op-1", "transport:payment_required"), "budget_stopped",
                     "operation op-1: the provider refused payment (402)")
    _succeeded_run(store, LATER, LOCAL, "reddit", 0.0)
    for model, project, report in ((NANO, "todo", NANO_TODO_RUNTIME), (NANO, "reddit", NANO_REDDIT_RUNTIME),
                                   (QWEN, "todo", QWEN_TODO_RUNTIME), (LOCAL, "reddit", LOCAL_REDDIT_RUNTIME)):
        write_runtime(store, LATER, model, project, report)


def write_earlier(store: Store) -> None:
    """2026-11: QWEN leads at 89.0, NANO 80.0, MISTRAL (gone by December) 50.0."""
    write_manifest(store, EARLIER, [NANO, QWEN, MISTRAL], PROJECTS, PHASES)
    scores = {NANO: (80, 80, axes(70, 90, 75, 85, 90)), QWEN: (90, 88, axes(85, 95, 85, 90, 90)),
              MISTRAL: (50, 50, axes(40, 50, 40, 60, 50))}
    for model, (todo, reddit, model_axes) in scores.items():
        for project, total in (("todo", todo), ("reddit", reddit)):
            _succeeded_run(store, EARLIER, model, project, 0.005)
            write_score(store, EARLIER, model, project, hand_report(total, model_axes))


REPEATED = "2027-01"
REPEATS = 3
BASE, TERSE = "base", "terse"
VARIANTS = {BASE: {}, TERSE: {"description": "hot and impatient", "temperature": 0.8, "retry": {"validation": 1}}}
QWEN_TERSE, QWEN_BASE = contestant_id(QWEN, TERSE), contestant_id(QWEN, BASE)
NANO_BASE, NANO_TERSE = contestant_id(NANO, BASE), contestant_id(NANO, TERSE)
# Per contestant, per project, its repeats' totals. QWEN+terse (89.0) is clearly first and NANO+terse (61.0)
# clearly last: every one of their runs is apart from the others'. QWEN+base (81.0) and NANO+base (80.0)
# are within each other's run-to-run noise. Terse helps QWEN (+8) and hurts NANO (−19).
REPEATED_SCORES: dict[str, dict[str, tuple[int, ...]]] = {
    QWEN_TERSE: {"todo": (90, 92, 88), "reddit": (86, 88, 90)},
    QWEN_BASE: {"todo": (80, 84, 82), "reddit": (78, 80, 82)},
    NANO_BASE: {"todo": (80, 82, 78), "reddit": (79, 81, 80)},
    NANO_TERSE: {"todo": (60, 64, 62), "reddit": (58, 62, 60)},
}
# USD per attempt (a run makes 3): QWEN+terse, QWEN+base and NANO+base are each the cheapest for their
# score, on the score-vs-cost front; NANO+terse scores less than QWEN+base for more.
REPEATED_COSTS = {QWEN_TERSE: 0.004, QWEN_BASE: 0.002, NANO_BASE: 0.001, NANO_TERSE: 0.003}
# QWEN+base's third repeats were routed to another provider than the rest.
SECOND_PROVIDER = "Together"


def _provider(contestant: str, repeat: int) -> str | None:
    if contestant.startswith(QWEN):
        return SECOND_PROVIDER if contestant == QWEN_BASE and repeat == REPEATS else QWEN_PROVIDER
    return None


def write_repeated(store: Store, round_id: str = REPEATED,
                   scores: dict[str, dict[str, tuple[int, ...]]] = REPEATED_SCORES) -> None:
    """A round of NANO and QWEN under variants `base` and `terse`, each run 3 times per project (seeds 0, 1, 2)."""
    write_manifest(store, round_id, [NANO, QWEN], PROJECTS, PHASES, "Repeats and variants",
                   repeats=REPEATS, variants=VARIANTS)
    for contestant, projects in scores.items():
        for project, totals in projects.items():
            for repeat, total in enumerate(totals, start=1):
                run = run_project(project, repeat)
                _succeeded_run(store, round_id, contestant, run, REPEATED_COSTS[contestant],
                               _provider(contestant, repeat))
                write_score(store, round_id, contestant, run, hand_report(total, axes(*[total] * 5)))
