"""Markdown, JSON and the `farm leaderboard` command: content, determinism, where the files go."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from farm import keys
from farm.cli import app
from farm.leaderboard import build_leaderboard
from farm.leaderboard.html import render_html
from farm.leaderboard.markdown import render_markdown
from farm.store import LocalStore
from tests.leaderboard.scenario import DEEPSEEK, LATER, LOCAL, NANO, QWEN

WIDE = {"COLUMNS": "220"}  # rich wraps to the terminal; a wide one keeps each row on one line


def test_markdown_ranks_marks_and_explains(store: LocalStore) -> None:
    text = render_markdown(build_leaderboard(store, LATER))
    rows = [line for line in text.splitlines() if re.match(r"\| \d \|", line)]
    assert [row.split(" | ")[1].split("`")[1] for row in rows] == [QWEN, NANO, DEEPSEEK, LOCAL]
    assert rows[0].startswith(f"| 1 | `{QWEN}` | 85.0 | B | 85 B | 85 B | $0.0060 | 6k / 1.2k / 1.8k / 300 | 100.0% | 100.0% |")
    assert f"| 3 | `{DEEPSEEK}` ⚠ incomplete: reddit | 0.0 | F | 0 F | ⚠ incomplete (infra) |" in text
    assert f"| 2 | `{NANO}` | 85.0 | B |" in text and "| 75.0% | 100.0% |" in rows[1]
    assert f"| `{DEEPSEEK}` | todo | model failed | skipped |" in text
    assert f"| `{NANO}` | todo | 3 actors · 5 documents | 31 fields · 6 models · 2 namespaces |" in text
    assert f"- `{LOCAL}` × todo: incomplete (budget): analyze stopped by a budget: operation op-1: the provider refused payment (402)" in text
    assert "## How to read this" in text and "FCSR, function-calling success rate" in text
    assert "profile `benchfarm-2026.12`" in text


def test_json_holds_the_whole_leaderboard(store: LocalStore) -> None:
    board = build_leaderboard(store, LATER)
    data = json.loads(board.to_json())
    assert [m["model"] for m in data["models"]] == [QWEN, NANO, DEEPSEEK, LOCAL]
    nano = data["models"][1]
    assert nano["fcsr"] == {"operations": 8, "first_attempt": 6, "after_retries": 8,
                            "first_attempt_rate": 0.75, "after_retries_rate": 1.0}
    assert data["models"][3]["incomplete_runs"] == ["todo", "reddit"]
    reddit = data["models"][2]["runs"][1]
    assert reddit["incomplete"] == {"kind": "infra", "phase": "database",
                                    "detail": "database ended without a result (infrastructure failure)"}
    # The manifest's creation time is the only timestamp: the same store gives the same bytes, any day.
    assert set(re.findall(r"\d{4}-\d\d-\d\dT[\d:]+", board.to_json())) == {board.created_at[:19]}


def test_same_store_same_bytes(store: LocalStore) -> None:
    first, second = build_leaderboard(store, LATER), build_leaderboard(store, LATER)
    assert first.to_json() == second.to_json()
    assert render_markdown(first) == render_markdown(second)
    assert render_html(first) == render_html(second)


def test_leaderboard_command_stores_each_format(store: LocalStore, tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = {}
    for fmt in ("md", "json", "html"):
        out = tmp_path / f"board.{fmt}"
        result = runner.invoke(app, ["leaderboard", LATER, "--format", fmt, "--out", str(out), "--store", str(store.root)])
        assert result.exit_code == 0, result.output
        stored = store.get_text(keys.leaderboard(LATER, fmt))
        assert out.read_text(encoding="utf-8") == stored
        assert f"rounds/{LATER}/leaderboard.{fmt}" in result.output
        outputs[fmt] = stored
    assert outputs["md"] == render_markdown(build_leaderboard(store, LATER))
    assert json.loads(outputs["json"])["round"] == LATER
    again = runner.invoke(app, ["leaderboard", LATER, "--format", "html", "--store", str(store.root)])
    assert again.exit_code == 0 and store.get_text(keys.leaderboard(LATER, "html")) == outputs["html"]


def test_leaderboard_command_prints_the_table(store: LocalStore) -> None:
    result = CliRunner().invoke(app, ["leaderboard", LATER, "--store", str(store.root)], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    ranked = [next(i for i, line in enumerate(lines) if f"│ {n} │ {model}" in line)
              for n, model in enumerate((QWEN, NANO, DEEPSEEK, LOCAL), start=1)]
    assert ranked == sorted(ranked)
    assert "incomplete: todo, reddit" in result.output and "⚠ budget" in result.output and "⚠ infra" in result.output
    assert not store.exists(keys.leaderboard(LATER, "table"))


def test_leaderboard_command_errors_name_the_round(store: LocalStore) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["leaderboard", "2031-01", "--store", str(store.root)])
    assert missing.exit_code == 1 and "no round '2031-01'" in missing.output
    store.put_text(keys.RunKeys(LATER, NANO, "todo").score, "{")
    broken = runner.invoke(app, ["leaderboard", LATER, "--format", "md", "--store", str(store.root)])
    assert broken.exit_code == 1 and f"rounds/{LATER}/runs/{NANO}/todo/score.json: not valid JSON" in broken.output
    assert not store.exists(keys.leaderboard(LATER, "md"))
    table_out = runner.invoke(app, ["leaderboard", LATER, "--out", "x.txt", "--store", str(store.root)])
    assert table_out.exit_code == 2 and "--out needs --format md, json or html" in table_out.output
