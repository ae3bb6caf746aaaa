"""What moved between two rounds: signed deltas per model and axis, new and dropped models."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from farm.cli import app
from farm.leaderboard import build_leaderboard, compare
from farm.store import LocalStore
from tests.leaderboard.scenario import DEEPSEEK, EARLIER, LATER, LOCAL, MISTRAL, NANO, QWEN

WIDE = {"COLUMNS": "220"}


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
        assert nano.axes[axis].delta == round(later.model(NANO).axes[axis] - earlier.model(NANO).axes[axis], 2)
    assert nano.fcsr_first_attempt.delta == -0.25  # 100% first time in November, 75% in December
    assert nano.cost_usd.delta == round(later.model(NANO).usage.cost_usd - earlier.model(NANO).usage.cost_usd, 6)


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
