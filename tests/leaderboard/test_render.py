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
from tests.leaderboard.scenario import DEEPSEEK, EARLIER, LATER, LOCAL, NANO, QWEN, QWEN_PROVIDER

WIDE = {"COLUMNS": "220"}  # rich wraps to the terminal; a wide one keeps each row on one line


def test_markdown_ranks_marks_and_explains(store: LocalStore) -> None:
    text = render_markdown(build_leaderboard(store, LATER))
    rows = [line for line in text.splitlines() if re.match(r"\| (\d|—) \|", line)]
    assert [row.split(" | ")[:2] for row in rows] == [
        ["| 1", f"`{QWEN}`"], ["| 2", f"`{NANO}`"],
        ["| —", f"`{DEEPSEEK}` ⚠ unranked: 1 of 2 runs not scored: reddit (infra)"],
        ["| —", f"`{LOCAL}` ⚠ unranked: 2 of 2 runs not scored: todo (budget), reddit (not finished)"]]
    assert rows[0].startswith(f"| 1 | `{QWEN}` | 85.0 | B | 85 B | 85 B | 0.0% (1 run) | $0.0060 | 6k / 1.2k / 1.8k / 300 "
                              "| 100.0% | 100.0% |")
    assert rows[2].endswith("| 0.0 | F | 0 F | ⚠ incomplete (infra) | not verified | $0.0080 | 4k / 800 / 1.2k / 200 "
                            "| 0.0% | 0.0% |")
    assert "| 75.5% (2 runs) |" in rows[1] and "| 75.0% | 100.0% |" in rows[1]
    assert f"| `{DEEPSEEK}` | todo | model failed | skipped | 5 calls · 1 min 40 s · $0.0080 |" in text
    assert (f"| `{NANO}` | todo | 3 actors · 5 documents | 31 fields · 6 models · 2 namespaces | "
            "9 calls · 3 min 20 s · $0.0800 |") in text
    assert f"| `{QWEN}` | `{QWEN}` | openrouter | {QWEN_PROVIDER} | $0.2 / $0.02 / $0.8 |" in text
    assert f"| `{LOCAL}` | `{LOCAL_SERVED_NAME}` | openai-compatible | — | $0 / $0 / $0 |" in text
    assert f"- `{LOCAL}` × todo: incomplete (budget): analyze stopped by a budget: operation op-1: the provider refused payment (402)" in text
    assert "## How to read this" in text and "FCSR, function-calling success rate" in text
    assert "profile `benchfarm-2026.12`" in text


def test_markdown_shows_each_runs_backend_live(store: LocalStore) -> None:
    text = render_markdown(build_leaderboard(store, LATER))
    section = text.split("## Runtime: each backend built, booted and tested live\n\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines()[:2] == [
        "| Model | Project | Boots | Golden | auth | crud | query | negative | workflow | E2E |",
        "|:--|:--|:-:|--:|--:|--:|--:|--:|--:|--:|"]
    assert section.splitlines()[2:] == [
        f"| `{QWEN}` | todo | no | 0.0% | — | — | — | — | — | — |",
        f"| `{QWEN}` | reddit | — | not verified | — | — | — | — | — | — |",
        f"| `{NANO}` | todo | yes | 27/33 · 81.8% | 3/3 · 100.0% | 7/7 · 100.0% | 7/7 · 100.0% | 6/10 · 60.0% "
        "| 4/6 · 66.7% | 16/16 · 100.0% |",
        f"| `{NANO}` | reddit | yes | 9/13 · 69.2% | 3/4 · 75.0% | 2/2 · 100.0% | — | 4/7 · 57.1% | — | 10/12 · 83.3% |",
        f"| `{DEEPSEEK}` | todo | — | not verified | — | — | — | — | — | — |",
        f"| `{DEEPSEEK}` | reddit | — | not verified | — | — | — | — | — | — |",
        f"| `{LOCAL}` | todo | — | not verified | — | — | — | — | — | — |",
        f"| `{LOCAL}` | reddit | — | not verified | — | — | — | — | — | — |"]
    assert ("## Runtime: why a verify failed\n\n"
            f"- `{QWEN}` × todo: runtime_failed: build: the code does not compile\n"
            f"- `{LOCAL}` × reddit: infra: install: npm registry unreachable\n") in text
    assert "- Runtime: farm verify built each generated backend" in text


def test_a_round_from_before_farm_verify_renders_as_before(store: LocalStore) -> None:
    board = build_leaderboard(store, EARLIER)
    text = render_markdown(board)
    assert "Golden" not in text and "## Runtime" not in text and "farm verify" not in text
    assert "<th>Golden</th>" not in render_html(board) and "Runtime" not in render_html(board)
    assert all(run["runtime"] is None for model in json.loads(board.to_json())["models"] for run in model["runs"])


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
    # runtime: what farm verify found (boots, golden by category, e2e, reason), or null: not verified.
    assert nano["runs"][0]["runtime"] == {
        "boots": True, "reason": None, "e2e": {"passed": 16, "total": 16},
        "golden": {"passed": 27, "total": 33, "by_category": {
            "auth": {"passed": 3, "total": 3}, "crud": {"passed": 7, "total": 7}, "query": {"passed": 7, "total": 7},
            "negative": {"passed": 6, "total": 10}, "workflow": {"passed": 4, "total": 6}}}}
    qwen = data["models"][0]
    assert qwen["runs"][0]["runtime"] == {"boots": False, "reason": "runtime_failed: build: the code does not compile",
                                          "golden": {"passed": 0, "total": 0, "by_category": {}},
                                          "e2e": {"passed": 0, "total": 0}}
    assert qwen["runs"][1]["runtime"] is None
    assert data["models"][3]["runs"][1]["runtime"]["boots"] is None  # the farm's failure: unknown, not "no"
    assert [(m["golden_pass_rate"], m["golden_runs"]) for m in data["models"]] == [
        (0.0, 1), (0.7552, 2), (None, 0), (None, 0)]
    assert data["golden_categories"] == ["auth", "crud", "query", "negative", "workflow"]
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
    assert re.search(rf"│ 2 │ {re.escape(NANO)} .* 75\.5% \(2 runs\) │", result.output)
    assert re.search(rf"│ — │ {re.escape(DEEPSEEK)} .* not verified │", result.output)
    runtime = lines[next(i for i, line in enumerate(lines) if "Runtime: each backend built, booted and tested live" in line):]
    assert [cell.strip() for cell in runtime[2].split("┃")[1:-1]] == [
        "model", "project", "boots", "golden", "auth", "crud", "query", "negative", "workflow", "e2e"]
    cells = {(row[0], row[1]): row[2:] for row in (
        [cell.strip() for cell in line.split("│")[1:-1]] for line in runtime if line.startswith("│") and "project" not in line)}
    assert cells[(NANO, "todo")] == ["yes", "27/33 · 81.8%", "3/3 · 100.0%", "7/7 · 100.0%", "7/7 · 100.0%",
                                     "6/10 · 60.0%", "4/6 · 66.7%", "16/16 · 100.0%"]
    assert cells[(QWEN, "todo")][:2] == ["no", "0.0%"] and cells[(QWEN, "reddit")][:2] == ["—", "not verified"]
    assert cells[(LOCAL, "reddit")][:2] == ["—", "not verified"]
    assert f"{QWEN} × todo: runtime_failed: build: the code does not compile" in result.output
    assert f"{LOCAL} × reddit: infra: install: npm registry unreachable" in result.output
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
