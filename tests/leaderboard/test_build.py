"""The leaderboard built from a round's store: ranking, means, FCSR, usage, incomplete runs, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm import keys
from farm.conformance import Conformance
from farm.leaderboard import LeaderboardError, build_leaderboard
from farm.leaderboard.model import Estimate, IncompleteKind, PhaseState
from farm.spec import Dialect
from farm.store import LocalStore
from tests.leaderboard.roundstore import (
    LOCAL_SERVED_NAME,
    Calls,
    booted,
    hand_report,
    ok_calls,
    real_todo_report,
    write_manifest,
    write_result,
    write_runtime,
    write_score,
    write_unfinished,
)
from tests.leaderboard.scenario import (
    ANALYZED,
    BASE,
    DEEPSEEK,
    EARLIER,
    LATER,
    LOCAL,
    MODELLED,
    NANO,
    NANO_BASE,
    NANO_REDDIT_AXES,
    NANO_TERSE,
    QWEN,
    QWEN_BASE,
    QWEN_PROVIDER,
    QWEN_TERSE,
    REPEATED,
    REPEATED_SCORES,
    REPEATS,
    SECOND_PROVIDER,
    TERSE,
    axes,
    write_repeated,
)
from workers.harness.dialect import ServerProfile


def test_ranking_by_total_then_cost_then_id(store: LocalStore) -> None:
    board = build_leaderboard(store, LATER)
    assert [(e.rank, e.contestant, e.total and e.total.mean, e.grade, e.unranked_because) for e in board.models] == [
        (1, QWEN, 85.0, "B", None),  # tied with NANO on total, and cheaper
        (2, NANO, 85.0, "B", None),
        # Not every run scored: listed after the ranked models, by id, with the runs they miss.
        (None, DEEPSEEK, 0.0, "F", "1 of 2 runs not scored: reddit (infra)"),
        (None, LOCAL, None, None, "2 of 2 runs not scored: todo (budget), reddit (not finished)"),
    ]
    # Without variants a contestant is its model; one run per project.
    assert all((e.model, e.variant, e.repeats) == (e.contestant, None, 1) for e in board.models)
    assert (board.repeats, board.variants, board.variant_effects, board.variance) == (1, {}, [], None)
    assert board.contestant(QWEN).usage.cost_usd < board.contestant(NANO).usage.cost_usd
    assert board.projects == ["todo", "reddit"]  # the round file's order, not the stored manifest's sorted keys


def test_an_unfinished_round_ranks_only_models_with_every_run_scored(tmp_path: Path) -> None:
    """Mid-round: the model that failed fast is scored 0; those still running are not ranked below it."""
    store = LocalStore(tmp_path)
    write_manifest(store, "mid", ["sim/broken", "sim/clean", "sim/learner"], ["todo"], ["analyze", "database"])
    write_result(store, "mid", "sim/broken", "todo", "analyze", Calls().op("op-0", *["validation_failure"] * 4), {},
                 outcome="model_failed")
    write_score(store, "mid", "sim/broken", "todo", hand_report(0))
    write_result(store, "mid", "sim/clean", "todo", "analyze", ok_calls(), ANALYZED)  # database still running
    board = build_leaderboard(store, "mid")
    assert [(e.rank, e.contestant) for e in board.models] == [(1, "sim/broken"), (None, "sim/clean"), (None, "sim/learner")]
    assert [e.unranked_because for e in board.models[1:]] == ["1 of 1 runs not scored: todo (not finished)"] * 2


def test_equal_total_and_cost_rank_by_model_id(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    write_manifest(store, "tie", ["zeta/m", "alpha/m"], ["todo"], ["analyze"])
    for model in ("zeta/m", "alpha/m"):
        write_result(store, "tie", model, "todo", "analyze", ok_calls(1, 0.01), ANALYZED)
        write_score(store, "tie", model, "todo", hand_report(70, axes(70, 70, 70, 70, 70)))
    assert [e.contestant for e in build_leaderboard(store, "tie").models] == ["alpha/m", "zeta/m"]


def test_per_project_scores_and_axis_means(store: LocalStore) -> None:
    board = build_leaderboard(store, LATER)
    real = real_todo_report()
    nano = board.contestant(NANO)
    assert nano.run("todo").score.total == real.total and nano.run("todo").score.grade == real.grade
    assert nano.run("reddit").score.total == 170 - real.total
    real_axes = {axis.id: axis.score for axis in real.axes}
    assert board.axes == ["documentation", "requirements", "tests", "logic", "api"]  # golden was not run
    assert {axis: estimate.mean for axis, estimate in nano.axes.items()} == {
        axis: round((real_axes[axis] + NANO_REDDIT_AXES[axis]) / 2, 2) for axis in board.axes}
    # Two projects, one run each: the interval spans the two projects' values.
    assert all(estimate.ci95 == tuple(sorted((real_axes[axis], NANO_REDDIT_AXES[axis])))
               for axis, estimate in nano.axes.items())
    # DEEPSEEK's only scored run failed the gate: 0 on every axis, not a missing value; one run, no interval.
    assert board.contestant(DEEPSEEK).axes == dict.fromkeys(board.axes, Estimate(mean=0.0, ci95=None))
    assert board.contestant(LOCAL).axes == {}


def test_fcsr_weighs_operations_not_phases(store: LocalStore) -> None:
    nano = build_leaderboard(store, LATER).contestant(NANO)
    # todo: analyze 1/1 first time; database 2/4 first time (op-2's 429 came before its first answer).
    # reddit: 1/1 and 2/2. By operations: 6/8 = 0.75; a mean of the four phase rates would say 0.875.
    assert (nano.fcsr.operations, nano.fcsr.first_attempt, nano.fcsr.after_retries) == (8, 6, 8)
    assert nano.fcsr.first_attempt_rate == 0.75 and nano.fcsr.after_retries_rate == 1.0
    deepseek = build_leaderboard(store, LATER).contestant(DEEPSEEK)
    # The model-failed analyze: op-0 answered and never succeeded; op-1 only timed out, so it is left out.
    assert (deepseek.fcsr.operations, deepseek.fcsr.first_attempt_rate, deepseek.fcsr.after_retries_rate) == (1, 0.0, 0.0)


def test_tokens_and_cost_cover_the_scored_runs(store: LocalStore) -> None:
    board = build_leaderboard(store, LATER)
    nano = board.contestant(NANO)
    answered = 1 + 7 + 1 + 2  # attempts that got an answer; the 429 cost nothing
    assert (nano.usage.input_tokens, nano.usage.cached_tokens, nano.usage.output_tokens, nano.usage.reasoning_tokens) == (
        1000 * answered, 200 * answered, 300 * answered, 50 * answered)
    assert nano.usage.cost_usd == pytest.approx(0.01 * answered)
    assert board.contestant(DEEPSEEK).usage.cost_usd == pytest.approx(0.002 * 4)  # the todo run only; reddit is incomplete
    local = board.contestant(LOCAL)
    assert local.usage.input_tokens == 0 and local.fcsr.first_attempt_rate is None
    assert local.run("reddit").usage.input_tokens == 3000  # the run itself still shows what it used


def test_incomplete_runs_are_marked_with_their_kind(store: LocalStore) -> None:
    board = build_leaderboard(store, LATER)
    deepseek, local = board.contestant(DEEPSEEK), board.contestant(LOCAL)
    assert deepseek.incomplete_runs == ["reddit"] and local.incomplete_runs == ["todo", "reddit"]
    assert board.contestant(NANO).incomplete_runs == []
    reddit = deepseek.run("reddit")
    assert (reddit.incomplete.kind, reddit.incomplete.phase, reddit.score) == (IncompleteKind.INFRA, "database", None)
    assert (local.run("todo").incomplete.kind, local.run("todo").incomplete.phase) == (IncompleteKind.BUDGET, "analyze")
    assert (local.run("reddit").incomplete.kind, local.run("reddit").incomplete.phase) == (IncompleteKind.NOT_FINISHED, None)
    todo = deepseek.run("todo")  # model_failed is not incomplete: it is scored, and the rest of the run is skipped
    assert todo.incomplete is None and todo.score.total == 0 and not todo.score.gate_passed
    assert [(p.phase, p.state) for p in todo.phases] == [("analyze", PhaseState.MODEL_FAILED), ("database", PhaseState.SKIPPED)]
    assert "validation retries exhausted" in todo.phases[0].reason


def test_models_carry_their_metadata_from_the_manifest_and_the_calls(store: LocalStore) -> None:
    board = build_leaderboard(store, LATER)
    qwen, local = board.contestant(QWEN).info, board.contestant(LOCAL).info
    assert (qwen.served_name, qwen.endpoint, qwen.providers) == (QWEN, "openrouter", [QWEN_PROVIDER])
    assert (qwen.prices.input, qwen.prices.cached, qwen.prices.output) == (0.2, 0.02, 0.8)
    assert (local.served_name, local.endpoint, local.providers) == (LOCAL_SERVED_NAME, "openai-compatible", [])
    assert local.prices.cached == 0  # the input price when the round file sets none
    run = board.contestant(QWEN).run("todo")
    assert (run.attempts, run.duration_s, run.providers) == (3, 200.0, [QWEN_PROVIDER])  # two phases of 100 s
    assert board.contestant(LOCAL).run("todo").duration_s is None  # no phase finished


def test_the_endpoint_names_the_dialect_preflight_found(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    found = Conformance(server=ServerProfile(dialect=Dialect.LLAMA_CPP, found_by="/v1/models owned_by=me"))
    write_manifest(store, "r", [LOCAL], ["todo"], ["analyze"], endpoints={LOCAL: found})
    assert build_leaderboard(store, "r").contestant(LOCAL).info.endpoint == "openai-compatible (llama.cpp)"


def test_each_phase_shows_what_it_produced(store: LocalStore) -> None:
    run = build_leaderboard(store, LATER).contestant(NANO).run("todo")
    assert [(p.phase, p.state, p.summary) for p in run.phases] == [
        ("analyze", PhaseState.SUCCEEDED, ANALYZED), ("database", PhaseState.SUCCEEDED, MODELLED)]


@pytest.mark.parametrize(
    ("write", "kind", "phase", "states"),
    [
        pytest.param(lambda s: None, "not_finished", "analyze", ["not_finished", "pending"], id="never-started"),
        pytest.param(lambda s: write_unfinished(s, "r", "m/x", "todo", "analyze", Calls().op("op-0", "transport:timeout"), "infra_failed"),
                     "infra", "analyze", ["infra", "pending"], id="infra"),
        pytest.param(lambda s: (write_result(s, "r", "m/x", "todo", "analyze", ok_calls(), ANALYZED),
                                write_unfinished(s, "r", "m/x", "todo", "database",
                                                 Calls().op("op-0", "success").op("op-1", "transport:payment_required"),
                                                 "budget_stopped")),
                     "budget", "database", ["succeeded", "budget"], id="budget"),
        pytest.param(lambda s: write_result(s, "r", "m/x", "todo", "analyze", ok_calls(), ANALYZED),
                     "not_finished", "database", ["succeeded", "not_finished"], id="running"),
        pytest.param(lambda s: (write_result(s, "r", "m/x", "todo", "analyze", ok_calls(), ANALYZED),
                                write_result(s, "r", "m/x", "todo", "database", ok_calls(), MODELLED)),
                     "not_finished", None, ["succeeded", "succeeded"], id="awaiting-score"),
    ],
)
def test_why_a_run_is_incomplete(tmp_path: Path, write, kind: str, phase: str | None, states: list[str]) -> None:  # noqa: ANN001
    store = LocalStore(tmp_path)
    write_manifest(store, "r", ["m/x"], ["todo"], ["analyze", "database"])
    write(store)
    entry = build_leaderboard(store, "r").contestant("m/x")
    run = entry.run("todo")
    assert (run.incomplete.kind.value, run.incomplete.phase) == (kind, phase)
    assert [p.state.value for p in run.phases] == states
    assert entry.total is None and entry.incomplete_runs == ["todo"]


def test_an_incomplete_run_is_not_scored_even_with_a_stale_score(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    write_manifest(store, "r", ["m/x"], ["todo"], ["analyze", "database"])
    write_result(store, "r", "m/x", "todo", "analyze", ok_calls(), ANALYZED)
    write_score(store, "r", "m/x", "todo", hand_report(99, axes(99, 99, 99, 99, 99)))
    assert build_leaderboard(store, "r").contestant("m/x").total is None


def test_each_run_carries_what_farm_verify_found(store: LocalStore) -> None:
    board = build_leaderboard(store, LATER)
    todo = board.contestant(NANO).run("todo").runtime
    assert (todo.boots, todo.golden.passed, todo.golden.total, todo.e2e.passed, todo.e2e.total, todo.reason) == (
        True, 27, 33, 16, 16, None)
    assert {c: (n.passed, n.total) for c, n in todo.golden.by_category.items()} == {
        "auth": (3, 3), "crud": (7, 7), "query": (7, 7), "negative": (6, 10), "workflow": (4, 6)}
    reddit = board.contestant(NANO).run("reddit").runtime  # 25 scenarios skipped for want of a seeded account: left out
    assert (reddit.golden.passed, reddit.golden.total, reddit.e2e.passed, reddit.e2e.total) == (9, 13, 10, 12)
    failed = board.contestant(QWEN).run("todo").runtime  # its code does not build: the model's failure, scored 0
    assert (failed.boots, failed.model_failed, failed.golden_rate) == (False, True, 0.0)
    assert failed.reason == "runtime_failed: build: the code does not compile"
    # The farm could not install its dependencies: whether it boots is unknown, and it is left out.
    infra = board.contestant(LOCAL).run("reddit").runtime
    assert (infra.boots, infra.model_failed, infra.golden_rate, infra.reason) == (
        None, False, None, "infra: install: npm registry unreachable")
    # No runtime.json: not verified (QWEN's reddit; runs that never reached the verify), never a 0.
    assert [(e.contestant, r.project) for e in board.models for r in e.runs if r.runtime is None] == [
        (QWEN, "reddit"), (DEEPSEEK, "todo"), (DEEPSEEK, "reddit"), (LOCAL, "todo")]
    assert board.golden_categories == ["auth", "crud", "query", "negative", "workflow"]  # the Golden axis' order
    assert board.verified


def test_a_models_golden_rate_is_the_mean_over_its_verified_runs(store: LocalStore) -> None:
    board = build_leaderboard(store, LATER)
    # Each run weighs the same, whatever its number of scenarios (27/33 and 9/13, not 36/46).
    assert (board.contestant(NANO).golden_pass_rate, board.contestant(NANO).golden_runs) == (round((27 / 33 + 9 / 13) / 2, 4), 2)
    assert (board.contestant(QWEN).golden_pass_rate, board.contestant(QWEN).golden_runs) == (0.0, 1)  # reddit not verified
    assert (board.contestant(DEEPSEEK).golden_pass_rate, board.contestant(DEEPSEEK).golden_runs) == (None, 0)
    assert (board.contestant(LOCAL).golden_pass_rate, board.contestant(LOCAL).golden_runs) == (None, 0)  # infra: left out


def test_a_server_that_crashed_while_tested_failed_on_what_it_answered(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    write_manifest(store, "r", ["m/x"], ["todo"], ["analyze"])
    write_result(store, "r", "m/x", "todo", "analyze", ok_calls(), ANALYZED)
    write_runtime(store, "r", "m/x", "todo", booted("todo", {"auth": (3, 0), "crud": (1, 6)}, e2e=(0, 0),
                                                    crashed="killed by signal 9"))
    entry = build_leaderboard(store, "r").contestant("m/x")
    runtime = entry.run("todo").runtime
    assert (runtime.boots, runtime.model_failed) == (True, True)
    assert runtime.reason == "runtime_failed: the server ended while tested: killed by signal 9"
    assert entry.golden_pass_rate == 0.4  # 4 of 10 passed before it died; the rest count as failed
    assert entry.run("todo").incomplete is not None  # verified, but not yet scored: the two are apart


def test_a_round_from_before_farm_verify_shows_no_runtime(store: LocalStore) -> None:
    board = build_leaderboard(store, EARLIER)
    assert not board.verified and board.golden_categories == []
    assert all(e.golden_pass_rate is None and e.golden_runs == 0 for e in board.models)


def test_unknown_round_is_named(store: LocalStore) -> None:
    with pytest.raises(LeaderboardError, match="no round '2031-01'.*rounds/2031-01/manifest.json"):
        build_leaderboard(store, "2031-01")
    with pytest.raises(LeaderboardError, match="'../2026-12' is not a round id"):
        build_leaderboard(store, "../2026-12")


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        (keys.RunKeys(LATER, NANO, "todo").score, '{"total": 9', r"rounds/2026-12/runs/openai/gpt-5.4-nano/todo/score.json: not valid JSON"),
        (keys.RunKeys(LATER, QWEN, "reddit").score, '{"total": 9}', r"qwen3.6-27b/reddit/score.json: not a valid score report \(scorerVersion: Field required"),
        (keys.RunKeys(LATER, QWEN, "todo").phase("analyze").result,
         '{"outcome": "exploded", "calls": {}}', r"todo/analyze/result.json: not a valid phase result \(outcome: "),
        (keys.manifest(LATER), '{"round": "2026-12"}', r"rounds/2026-12/manifest.json: not a valid manifest"),
        (keys.RunKeys(LATER, NANO, "reddit").runtime, '{"boots": "maybe", "golden": {}, "e2e": {}}',
         r"gpt-5.4-nano/reddit/runtime.json: not a valid runtime report \(boots: "),
    ],
)
def test_broken_files_are_named(store: LocalStore, key: str, text: str, message: str) -> None:
    store.put_text(key, text)
    with pytest.raises(LeaderboardError, match=message):
        build_leaderboard(store, LATER)


def test_a_score_under_another_profile_is_refused(store: LocalStore) -> None:
    report = hand_report(85, axes(80, 90, 80, 88, 85)).model_copy(update={"profile": "autobe-2026.03"})
    write_score(store, LATER, QWEN, "todo", report)
    with pytest.raises(LeaderboardError, match="qwen/qwen3.6-27b/todo/score.json: scored with profile 'autobe-2026.03'"):
        build_leaderboard(store, LATER)


def test_a_round_frozen_before_profiles_builds_under_its_weight_set(store: LocalStore) -> None:
    """Its manifest names `rubric_weights`, its score reports `weights`: both are read as the profile of that id."""
    manifest = store.get_json(keys.manifest(LATER))
    del manifest["profile"]
    store.put_json(keys.manifest(LATER), {**manifest, "rubric_weights": "autobe-2026.04"})
    for key in (k for k in store.list(f"rounds/{LATER}/") if k.endswith("/score.json")):
        report = store.get_json(key)
        del report["profile"], report["profileEffects"]
        store.put_json(key, {**report, "weights": "autobe-2026.04"})
    board = build_leaderboard(store, LATER)
    assert (board.profile, board.axis_weights["api"]) == ("autobe-2026.04", 7)
    assert [(e.rank, e.contestant) for e in board.models] == [(1, QWEN), (2, NANO), (None, DEEPSEEK), (None, LOCAL)]


def test_a_run_the_model_failed_before_it_had_a_backend_counts_as_one_that_does_not_boot(tmp_path: Path) -> None:
    """The score job gives it a Golden Set of 0 (its verify was skipped): the leaderboard agrees."""
    store = LocalStore(tmp_path)
    write_manifest(store, "r", ["m/x"], ["todo"], ["analyze", "database"])
    write_result(store, "r", "m/x", "todo", "analyze", ok_calls(), ANALYZED)
    write_result(store, "r", "m/x", "todo", "database", ok_calls(), {}, outcome="model_failed", reason="gave up")
    write_score(store, "r", "m/x", "todo", hand_report(61, {**axes(80, 80, 80, 80, 80), "golden": 0}))
    entry = build_leaderboard(store, "r").contestant("m/x")
    runtime = entry.run("todo").runtime
    assert (runtime.boots, runtime.model_failed, runtime.golden_rate) == (False, True, 0.0)
    assert runtime.reason == "runtime_failed: no backend: the run ended model_failed at database"
    assert (entry.golden_pass_rate, entry.golden_runs) == (0.0, 1)


def test_a_model_failed_run_scored_without_a_golden_set_shows_no_runtime(tmp_path: Path) -> None:
    """A round from before verify (or a project without a suite): no Golden axis, nothing shown."""
    store = LocalStore(tmp_path)
    write_manifest(store, "r", ["m/x"], ["todo"], ["analyze", "database"])
    write_result(store, "r", "m/x", "todo", "analyze", ok_calls(), ANALYZED)
    write_result(store, "r", "m/x", "todo", "database", ok_calls(), {}, outcome="model_failed", reason="gave up")
    write_score(store, "r", "m/x", "todo", hand_report(61, axes(80, 80, 80, 80, 80)))
    assert build_leaderboard(store, "r").contestant("m/x").run("todo").runtime is None


def test_repeats_under_variants_rank_contestants(store: LocalStore) -> None:
    """Each model under each variant is a contestant (`model+variant`) with its 3 runs per project, each its own seed."""
    board = build_leaderboard(store, REPEATED)
    assert [(e.rank, e.contestant, e.model, e.variant, e.repeats) for e in board.models] == [
        (1, QWEN_TERSE, QWEN, TERSE, REPEATS), (2, QWEN_BASE, QWEN, BASE, REPEATS),
        (3, NANO_BASE, NANO, BASE, REPEATS), (4, NANO_TERSE, NANO, TERSE, REPEATS)]
    assert board.repeats == REPEATS
    assert board.variants == {BASE: "the models' own settings",
                              TERSE: "hot and impatient (temperature 0.8, retry validation 1)"}
    entry = board.contestant(QWEN_BASE)
    assert [(run.label, run.repeat, run.seed) for run in entry.runs] == [
        ("todo", 1, 0), ("todo~2", 2, 1), ("todo~3", 3, 2), ("reddit", 1, 0), ("reddit~2", 2, 1), ("reddit~3", 3, 2)]
    assert entry.run("todo", 3).score.total == REPEATED_SCORES[QWEN_BASE]["todo"][2]
    # The total weighs each project's mean over its repeats the same.
    assert [e.total.mean for e in board.models] == [89.0, 81.0, 80.0, 61.0]


def test_every_interval_contains_its_mean(store: LocalStore) -> None:
    board = build_leaderboard(store, REPEATED)
    for entry in board.models:
        for estimate in (entry.total, *entry.axes.values()):
            low, high = estimate.ci95
            assert low < estimate.mean < high, entry.contestant
        # Bootstrap means stay within the runs' range.
        totals = [total for project in REPEATED_SCORES[entry.contestant].values() for total in project]
        assert min(totals) <= entry.total.ci95[0] and entry.total.ci95[1] <= max(totals)


def test_tied_groups_part_contestants_only_beyond_their_noise(store: LocalStore) -> None:
    board = build_leaderboard(store, REPEATED)
    groups = {e.contestant: e.tied_group for e in board.models}
    # QWEN+terse is apart from everyone; QWEN+base (81.0) and NANO+base (80.0) are within each other's noise.
    assert groups == {QWEN_TERSE: 1, QWEN_BASE: 2, NANO_BASE: 2, NANO_TERSE: 3}
    assert (board.significance.alpha, board.significance.resamples) == (0.05, 10_000)
    # One run per project on two projects: no difference can be significant, every ranked model is in group 1.
    later = build_leaderboard(store, LATER)
    assert [(e.contestant, e.tied_group) for e in later.models] == [(QWEN, 1), (NANO, 1), (DEEPSEEK, None), (LOCAL, None)]


def test_variant_effects_are_paired_by_model_against_the_first_variant(store: LocalStore) -> None:
    effects = {effect.model: effect for effect in build_leaderboard(store, REPEATED).variant_effects}
    assert set(effects) == {NANO, QWEN}
    qwen, nano = effects[QWEN], effects[NANO]
    assert (qwen.variant, qwen.baseline, nano.variant, nano.baseline) == (TERSE, BASE, TERSE, BASE)
    assert qwen.delta.mean == 8.0 and qwen.delta.ci95[0] > 0  # terse helps QWEN
    assert nano.delta.mean == -19.0 and nano.delta.ci95[1] < 0  # and hurts NANO
    assert qwen.significant and nano.significant and qwen.p_value < 0.05 and nano.p_value < 0.05


def test_a_contestant_served_by_two_providers_is_flagged(store: LocalStore) -> None:
    board = build_leaderboard(store, REPEATED)
    flagged = {e.contestant: e.serving_flag for e in board.models if e.serving_flag}
    assert flagged == {QWEN_BASE: f"served by 2 providers: {QWEN_PROVIDER}, {SECOND_PROVIDER}"}
    assert board.contestant(QWEN_BASE).info.providers == [QWEN_PROVIDER, SECOND_PROVIDER]
    assert build_leaderboard(store, LATER).contestant(QWEN).serving_flag is None  # one provider throughout


def test_cost_per_point_and_the_pareto_front(store: LocalStore) -> None:
    board = build_leaderboard(store, REPEATED)
    # NANO+terse scores less than QWEN+base for more: the only one off the front.
    assert {e.contestant for e in board.models if e.pareto} == {QWEN_TERSE, QWEN_BASE, NANO_BASE}
    qwen = board.contestant(QWEN_TERSE)
    assert qwen.cost_per_run == pytest.approx(3 * 0.004)  # three calls a run
    assert qwen.cost_per_point == round(3 * 0.004 / 89.0, 6)
    assert qwen.tokens_per_point == round(3 * (1000 + 300) / 89.0, 2)  # input + output tokens of a run
    later = build_leaderboard(store, LATER)
    # QWEN and NANO tie at 85.0, QWEN cheaper: NANO is off the front; unranked contestants are never on it.
    assert [(e.contestant, e.pareto) for e in later.models] == [(QWEN, True), (NANO, False), (DEEPSEEK, False),
                                                                (LOCAL, False)]
    assert later.contestant(LOCAL).cost_per_point is None and later.contestant(LOCAL).cost_per_run is None


def test_variance_splits_run_to_run_from_between_projects(store: LocalStore) -> None:
    board = build_leaderboard(store, REPEATED)
    assert 0 < board.variance.run_to_run_share <= 1
    nano = board.contestant(NANO_BASE).variance
    # Its two projects have the same mean: all of its spread is run to run.
    assert (nano.between_projects, nano.run_to_run_share) == (0.0, 1.0)
    assert nano.run_to_run == round(((0 + 4 + 4) + (1 + 1 + 0)) / 4, 2)  # pooled within-project sample variance
    assert all(e.variance is None for e in build_leaderboard(store, LATER).models)  # one run per project


def test_a_contestant_missing_a_repeat_is_unranked_and_names_the_run(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    write_repeated(store, "partial", {QWEN_BASE: REPEATED_SCORES[QWEN_BASE], NANO_BASE: REPEATED_SCORES[NANO_BASE]})
    board = build_leaderboard(store, "partial")
    # The round has variants: QWEN+terse and NANO+terse never ran.
    assert board.contestant(QWEN_TERSE).unranked_because == "6 of 6 runs not scored: " + ", ".join(
        f"{run} (not finished)" for run in ("todo", "todo~2", "todo~3", "reddit", "reddit~2", "reddit~3"))
    assert board.contestant(QWEN_TERSE).incomplete_runs[1] == "todo~2"
    assert board.variant_effects == []  # nothing to pair the baseline with
    assert [(e.rank, e.tied_group) for e in board.models[:2]] == [(1, 1), (2, 1)]
