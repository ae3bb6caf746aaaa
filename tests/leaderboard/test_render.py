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
from tests.leaderboard.roundstore import LOCAL_SERVED_NAME, write_manifest
from tests.leaderboard.scenario import DEEPSEEK, LATER, LOCAL, NANO, QWEN, QWEN_PROVIDER

WIDE = {"COLUMNS": "220"}  # rich wraps to the terminal; a wide one keeps each row on one line


def test_markdown_ranks_marks_and_explains(store: LocalStore) -> None:
    text = render_markdown(build_leaderboard(store, LATER))
    rows = [line for line in text.splitlines() if re.match(r"\| (\d|—) \|", line)]
    assert [row.split(" | ")[:2] for row in rows] == [
        ["| 1", f"`{QWEN}`"], ["| 2", f"`{NANO}`"],
        ["| —", f"`{DEEPSEEK}` ⚠ unranked: 1 of 2 runs not scored: reddit (infra)"],
        ["| —", f"`{LOCAL}` ⚠ unranked: 2 of 2 runs not scored: todo (budget), reddit (not finished)"]]
    assert rows[0].startswith(f"| 1 | `{QWEN}` | 85.0 | B | 85 B | 85 B | $0.0060 | 6k / 1.2k / 1.8k / 300 | 100.0% | 100.0% |")
    assert rows[2].endswith("| 0.0 | F | 0 F | ⚠ incomplete (infra) | $0.0080 | 4k / 800 / 1.2k / 200 | 0.0% | 0.0% |")
    assert "| 75.0% | 100.0% |" in rows[1]
    assert f"| `{DEEPSEEK}` | todo | model failed | skipped | 5 calls · 1 min 40 s · $0.0080 |" in text
    assert (f"| `{NANO}` | todo | 3 actors · 5 documents | 31 fields · 6 models · 2 namespaces | "
            "9 calls · 3 min 20 s · $0.0800 |") in text
    assert f"| `{QWEN}` | `{QWEN}` | openrouter | {QWEN_PROVIDER} | $0.2 / $0.02 / $0.8 |" in text
    assert f"| `{LOCAL}` | `{LOCAL_SERVED_NAME}` | openai-compatible | — | $0 / $0 / $0 |" in text
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


def test_leaderboard_command_prints_each_format_to_stdout_and_stores_it(store: LocalStore) -> None:
    """`farm leaderboard R --format json | jq`: stdout holds the rendering alone; where it was stored goes to stderr."""
    runner = CliRunner()
    printed = {}
    for fmt in ("md", "json", "html"):
        result = runner.invoke(app, ["leaderboard", LATER, "--format", fmt, "--store", str(store.root)])
        assert result.exit_code == 0, result.output
        assert result.stdout == store.get_text(keys.leaderboard(LATER, fmt))
        assert f"wrote {store.url.rstrip('/')}/rounds/{LATER}/leaderboard.{fmt}" in result.stderr
        printed[fmt] = result.stdout
    board = json.loads(printed["json"])
    assert [(m["rank"], m["model"]) for m in board["models"]] == [(1, QWEN), (2, NANO), (None, DEEPSEEK), (None, LOCAL)]
    markdown = printed["md"].splitlines()
    assert markdown[0] == f"# benchfarm leaderboard — round {LATER}"
    header = markdown.index("## Ranking") + 2
    assert markdown[header].startswith("| # | Model | Total | Grade | todo | reddit |")
    assert re.fullmatch(r"\|(:--|:-:|--:)(\|(:--|:-:|--:))+\|", markdown[header + 1])  # a GitHub table
    assert all(line.count(" | ") == markdown[header].count(" | ") for line in markdown[header + 2:header + 6])
    assert printed["html"].startswith("<!DOCTYPE html>") and printed["html"].rstrip().endswith("</html>")
    assert "<b>2</b> projects" not in printed["html"] and "2 projects: todo, reddit" in printed["html"]


def test_leaderboard_command_writes_the_output_file_instead(store: LocalStore, tmp_path: Path) -> None:
    runner = CliRunner()
    for option in ("--output", "--out", "-o"):
        out = tmp_path / f"board{option}.md"
        result = runner.invoke(app, ["leaderboard", LATER, "--format", "md", option, str(out), "--store", str(store.root)])
        assert result.exit_code == 0, result.output
        assert result.stdout == ""
        assert out.read_text(encoding="utf-8") == store.get_text(keys.leaderboard(LATER, "md"))
        assert f"wrote {out}" in result.stderr


def test_counts_are_pluralised(tmp_path: Path) -> None:
    one = LocalStore(tmp_path)
    write_manifest(one, "r", [QWEN], ["todo"], ["analyze"])
    html = render_html(build_leaderboard(one, "r"))
    assert "1 model</span>" in html and "1 project: todo" in html and "1 projects" not in html


def test_leaderboard_command_prints_the_table(store: LocalStore) -> None:
    result = CliRunner().invoke(app, ["leaderboard", LATER, "--store", str(store.root)], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    ranked = [next(i for i, line in enumerate(lines) if f"│ {rank} │ {model}" in line)
              for rank, model in (("1", QWEN), ("2", NANO), ("—", DEEPSEEK), ("—", LOCAL))]
    assert ranked == sorted(ranked)
    assert any(set(line) <= set("├┼─┤") for line in lines[ranked[1] + 1:ranked[2]])  # a rule under the ranked models
    assert "unranked: 2 of 2 runs not scored: todo (budget)," in result.output
    assert "⚠ budget" in result.output and "⚠ infra" in result.output
    assert not store.exists(keys.leaderboard(LATER, "table"))


def test_leaderboard_command_errors_name_the_round(store: LocalStore) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["leaderboard", "2031-01", "--store", str(store.root)])
    assert missing.exit_code == 1 and "no round '2031-01'" in missing.output
    store.put_text(keys.RunKeys(LATER, NANO, "todo").score, "{")
    broken = runner.invoke(app, ["leaderboard", LATER, "--format", "md", "--store", str(store.root)])
    assert broken.exit_code == 1 and f"rounds/{LATER}/runs/{NANO}/todo/score.json: not valid JSON" in broken.output
    assert not store.exists(keys.leaderboard(LATER, "md"))
    table_out = runner.invoke(app, ["leaderboard", LATER, "--output", "x.txt", "--store", str(store.root)])
    assert table_out.exit_code == 2 and "--output needs --format md, json or html" in table_out.output
