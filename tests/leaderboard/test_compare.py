"""What moved between two rounds: signed deltas per model and axis, whether a move exceeds the runs'
noise, new and dropped models."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from farm.cli import app
from farm.leaderboard import build_leaderboard, compare
from farm.leaderboard.terminal import render_comparison
from farm.store import LocalStore
from tests.leaderboard.roundstore import hand_report, ok_calls, write_manifest, write_result, write_score
from tests.leaderboard.scenario import (
    ANALYZED,
    DEEPSEEK,
    EARLIER,
    LATER,
    LOCAL,
    MISTRAL,
    NANO,
    NANO_BASE,
    QWEN,
    QWEN_BASE,
    QWEN_TERSE,
    REPEATED,
    REPEATED_SCORES,
    axes,
    write_repeated,
)

WIDE = {"COLUMNS": "220"}
MOVED = "2027-02"  # the repeated round again, some contestants moved


def test_deltas_per_model_and_axis(store: LocalStore) -> None:
    earlier, later = build_leaderboard(store, EARLIER), build_leaderboard(store, LATER)
    comparison = compare(earlier, later)
    assert [move.model for move in comparison.models] == [QWEN, NANO]  # in both rounds, in the later ranking
    assert comparison.new_models == [DEEPSEEK, LOCAL] and comparison.dropped_models == [MISTRAL]
    qwen, nano = comparison.models
    assert (qwen.total.a, qwen.total.b, qwen.total.delta) == (89.0, 85.0, -4.0)
    assert (nano.total.a, nano.total.b, nano.total.delta) == (80.0, 85.0, 5.0)
    assert (qwen.rank_a, qwen.rank_b, nano.rank_a, nano.rank_b) == (1, 1, 2, 2)
    assert qwen.axes["documentation"].delta == -5.0 and qwen.axes["logic"].delta == -2.0
    for axis in comparison.axes:
        assert nano.axes[axis].delta == round(later.contestant(NANO).axes[axis].mean
                                              - earlier.contestant(NANO).axes[axis].mean, 2)
    assert nano.fcsr_first_attempt.delta == -0.25  # 100% first time in November, 75% in December
    assert nano.cost_usd.delta == round(later.contestant(NANO).usage.cost_usd - earlier.contestant(NANO).usage.cost_usd, 6)


def test_compare_command_table_and_json(store: LocalStore) -> None:
    runner = CliRunner()
    table = runner.invoke(app, ["compare", EARLIER, LATER, "--store", str(store.root)], env=WIDE)
    assert table.exit_code == 0, table.output
    nano_row = next(line for line in table.output.splitlines() if NANO in line)
    assert "80.0 → 85.0 +5.0" in nano_row and "-25.0pp" in nano_row
    assert "89.0 → 85.0 -4.0" in next(line for line in table.output.splitlines() if QWEN in line)
    assert f"new in {LATER}: {DEEPSEEK}, {LOCAL}" in table.output
    assert f"dropped since {EARLIER}: {MISTRAL}" in table.output
    as_json = runner.invoke(app, ["compare", EARLIER, LATER, "--json", "--store", str(store.root)])
    data = json.loads(as_json.output)
    assert data["models"][1]["total"] == {"a": 80.0, "b": 85.0, "delta": 5.0}
    missing = runner.invoke(app, ["compare", EARLIER, "2031-01", "--store", str(store.root)])
    assert missing.exit_code == 1 and "no round '2031-01'" in missing.output


def _shifted(shifts: dict[str, int]) -> dict[str, dict[str, tuple[int, ...]]]:
    """The repeated round's scores, each of these contestants' runs moved by its shift."""
    return {contestant: {project: tuple(total + shifts.get(contestant, 0) for total in totals)
                         for project, totals in projects.items()}
            for contestant, projects in REPEATED_SCORES.items()}


def test_a_move_is_weighed_against_the_runs_noise(store: LocalStore) -> None:
    """QWEN+terse lost 10 points on every run: beyond its noise. NANO+base gained 1: within it."""
    write_repeated(store, MOVED, _shifted({QWEN_TERSE: -10, NANO_BASE: 1}))
    comparison = compare(build_leaderboard(store, REPEATED), build_leaderboard(store, MOVED))
    moves = {move.model: move for move in comparison.models}
    dropped, steady, same = moves[QWEN_TERSE], moves[NANO_BASE], moves[QWEN_BASE]
    assert (dropped.total.delta, dropped.noise.exceeds_noise, dropped.noise.projects) == (-10.0, True, 2)
    assert dropped.noise.p_value < 0.05 and dropped.noise.delta_ci95[1] < 0
    assert (steady.total.delta, steady.noise.exceeds_noise) == (1.0, False)
    low, high = steady.noise.delta_ci95
    assert low < 1.0 < high
    assert (same.total.delta, same.noise.p_value, same.noise.exceeds_noise) == (0.0, 1.0, False)
    # One run per project on two projects: no move can exceed the noise.
    plain = compare(build_leaderboard(store, EARLIER), build_leaderboard(store, LATER))
    assert all(not move.noise.exceeds_noise and move.noise.p_value >= 0.5 for move in plain.models)


def test_compare_table_says_whether_each_move_exceeds_the_noise(store: LocalStore) -> None:
    write_repeated(store, MOVED, _shifted({QWEN_TERSE: -10, NANO_BASE: 1}))
    result = CliRunner().invoke(app, ["compare", REPEATED, MOVED, "--store", str(store.root)], env=WIDE)
    assert result.exit_code == 0, result.output
    rows = {cells[0]: cells for cells in (
        [cell.strip() for cell in line.split("│")[1:-1]] for line in result.output.splitlines() if line.startswith("│"))}
    rank, total, noise = rows[QWEN_TERSE][1:4]
    assert (rank, total) == ("1 → 3", "89.0 → 79.0 -10.0")
    assert re.fullmatch(r"exceeds noise · p = 0\.005 · \[-1\d\.\d, -\d\.\d\] · 2 projects", noise)
    assert rows[NANO_BASE][3].startswith("within noise · p = ")
    assert "┃ contestant" in result.output  # the rounds have variants
    data = json.loads(CliRunner().invoke(app, ["compare", REPEATED, MOVED, "--json", "--store", str(store.root)]).output)
    noise = next(move["noise"] for move in data["models"] if move["model"] == QWEN_TERSE)
    assert (noise["exceeds_noise"], noise["projects"]) == (True, 2)
    low, high = noise["delta_ci95"]
    assert -12 <= low < -10 < high <= -8  # every run moved by -10; the bootstrap stays within the runs' moves


def test_no_common_scored_project_leaves_the_noise_unknown(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    for round_id in ("a", "b"):
        write_manifest(store, round_id, [QWEN], ["todo"], ["analyze"])
    write_result(store, "a", QWEN, "todo", "analyze", ok_calls(), ANALYZED)
    write_score(store, "a", QWEN, "todo", hand_report(70, axes(70, 70, 70, 70, 70)))  # b's run never finished
    comparison = compare(build_leaderboard(store, "a"), build_leaderboard(store, "b"))
    assert comparison.models[0].noise is None
    console = Console(width=220, record=True)
    console.print(render_comparison(comparison))
    row = next(line for line in console.export_text().splitlines() if line.startswith(f"│ {QWEN}"))
    assert [cell.strip() for cell in row.split("│")[1:-1]][:4] == [QWEN, "1 → —", "70.0 → — —", "—"]


def test_compare_shows_each_variant_effect_in_both_rounds(store: LocalStore) -> None:
    """QWEN's terse variant lost 10 points on every run: its effect against base turns from +8 to -2."""
    write_repeated(store, MOVED, _shifted({QWEN_TERSE: -10}))
    comparison = compare(build_leaderboard(store, REPEATED), build_leaderboard(store, MOVED))
    effects = {(move.model, move.variant): move for move in comparison.variant_effects}
    assert set(effects) == {(QWEN, "terse"), (NANO, "terse")}
    qwen = effects[QWEN, "terse"]
    assert (qwen.a.delta.mean, qwen.b.delta.mean) == (8.0, -2.0) and qwen.a.significant
    assert effects[NANO, "terse"].a == effects[NANO, "terse"].b  # nothing of nano moved
    plain = compare(build_leaderboard(store, EARLIER), build_leaderboard(store, LATER))
    assert plain.variant_effects == []  # rounds without variants measure none
    result = CliRunner().invoke(app, ["compare", REPEATED, MOVED, "--store", str(store.root)], env=WIDE)
    row = next(line for line in result.output.splitlines() if line.startswith(f"│ {QWEN} ") and "terse vs base" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells[2].startswith("+8.0 [") and cells[2].endswith("· significant")
    assert cells[3].startswith("-2.0")
