"""Markdown, JSON and the `farm leaderboard` command: content, determinism, where the files go."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from typer.testing import CliRunner

from farm import keys
from farm.cli import app
from farm.leaderboard import build_leaderboard, fmt, stats
from farm.leaderboard.html import render_html
from farm.leaderboard.markdown import render_markdown
from farm.store import LocalStore
from tests.leaderboard.roundstore import LOCAL_SERVED_NAME, write_manifest
from tests.leaderboard.scenario import (
    DEEPSEEK,
    EARLIER,
    LATER,
    LOCAL,
    NANO,
    NANO_BASE,
    NANO_TERSE,
    QWEN,
    QWEN_BASE,
    QWEN_PROVIDER,
    QWEN_TERSE,
    REPEATED,
    REPEATED_SCORES,
    SECOND_PROVIDER,
    write_repeated,
)

WIDE = {"COLUMNS": "220"}  # rich wraps to the terminal; a wide one keeps each row on one line


def test_markdown_ranks_marks_and_explains(store: LocalStore) -> None:
    text = render_markdown(build_leaderboard(store, LATER))
    rows = [line for line in text.splitlines() if re.match(r"\| (\d|—) \|", line)]
    assert [row.split(" | ")[:3] for row in rows] == [
        ["| 1", "1", f"`{QWEN}`"], ["| 2", "1", f"`{NANO}`"],
        ["| —", "—", f"`{DEEPSEEK}` ⚠ unranked: 1 of 2 runs not scored: reddit (infra)"],
        ["| —", "—", f"`{LOCAL}` ⚠ unranked: 2 of 2 runs not scored: todo (budget), reddit (not finished)"]]
    # Two projects of one run each: an interval, but no difference can be significant (one group).
    assert rows[0].startswith(f"| 1 | 1 | `{QWEN}` | 85.0 ±0 | B | 85 B | 85 B | 0.0% (1 run) | $0.0060 "
                              "| $0.000035 | 46 | 100.0% | 100.0% |")
    # A total from a single scored run has no interval: just the mean.
    assert rows[2].endswith("| 0.0 | F | 0 F | ⚠ incomplete (infra) | not verified | $0.0080 | — | — | 0.0% | 0.0% |")
    assert "| 85.0 [78.0, 92.0] | B | 92 A | 78 C | 75.5% (2 runs) |" in rows[1] and "| 75.0% | 100.0% |" in rows[1]
    assert f"| `{DEEPSEEK}` | todo | 0 | model failed | skipped | 5 calls · 1 min 40 s · $0.0080 |" in text
    assert (f"| `{NANO}` | todo | 0 | 3 actors · 5 documents | 31 fields · 6 models · 2 namespaces | "
            "9 calls · 3 min 20 s · $0.0800 |") in text
    assert f"| `{QWEN}` | `{QWEN}` | openrouter | {QWEN_PROVIDER} | $0.2 / $0.02 / $0.8 |" in text
    assert f"| `{LOCAL}` | `{LOCAL_SERVED_NAME}` | openai-compatible | — | $0 / $0 / $0 |" in text
    assert f"| `{QWEN}` | 85.0 | $0.0030 | $0.000035 | 46 | 6k / 1.2k / 1.8k / 300 | ★ |" in text  # the cost view
    assert f"| `{NANO}` | 85.0 | $0.0550 | $0.00065 | 84 | 11k / 2.2k / 3.3k / 550 |  |" in text
    assert (f"- `{LOCAL}` × todo (seed 0): incomplete (budget): analyze stopped by a budget: operation op-1: "
            "the provider refused payment (402)") in text
    assert "## How to read this" in text and "FCSR, function-calling success rate" in text
    assert "This round has 1 run of each of 2 projects: p ≥ 0.5, so no difference in it can be significant." in text
    assert "profile `benchfarm-2026.12`" in text


def test_markdown_shows_each_runs_backend_live(store: LocalStore) -> None:
    text = render_markdown(build_leaderboard(store, LATER))
    section = text.split("## Runtime: each backend built, booted and tested live\n\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines()[:2] == [
        "| Model | Run | Seed | Boots | Golden | auth | crud | query | negative | workflow | E2E |",
        "|:--|:--|--:|:-:|--:|--:|--:|--:|--:|--:|--:|"]
    assert section.splitlines()[2:] == [
        f"| `{QWEN}` | todo | 0 | no | 0.0% | — | — | — | — | — | — |",
        f"| `{QWEN}` | reddit | 0 | — | not verified | — | — | — | — | — | — |",
        f"| `{NANO}` | todo | 0 | yes | 27/33 · 81.8% | 3/3 · 100.0% | 7/7 · 100.0% | 7/7 · 100.0% | 6/10 · 60.0% "
        "| 4/6 · 66.7% | 16/16 · 100.0% |",
        f"| `{NANO}` | reddit | 0 | yes | 9/13 · 69.2% | 3/4 · 75.0% | 2/2 · 100.0% | — | 4/7 · 57.1% | — "
        "| 10/12 · 83.3% |",
        f"| `{DEEPSEEK}` | todo | 0 | — | not verified | — | — | — | — | — | — |",
        f"| `{DEEPSEEK}` | reddit | 0 | — | not verified | — | — | — | — | — | — |",
        f"| `{LOCAL}` | todo | 0 | — | not verified | — | — | — | — | — | — |",
        f"| `{LOCAL}` | reddit | 0 | — | not verified | — | — | — | — | — | — |"]
    assert ("## Runtime: why a verify failed\n\n"
            f"- `{QWEN}` × todo (seed 0): runtime_failed: build: the code does not compile\n"
            f"- `{LOCAL}` × reddit (seed 0): infra: install: npm registry unreachable\n") in text
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


@pytest.mark.parametrize("round_id", [LATER, REPEATED])
def test_same_store_same_bytes(store: LocalStore, round_id: str) -> None:
    """Intervals and groups come from seeded resampling: rebuilding gives the same bytes."""
    first, second = build_leaderboard(store, round_id), build_leaderboard(store, round_id)
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
    assert markdown[header].startswith("| # | Group | Model | Total [95% CI] | Grade | todo | reddit |")
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
    ranked = [next(i for i, line in enumerate(lines) if re.match(rf"│ {rank} │\s+{group}\s+│ {re.escape(model)} ", line))
              for rank, group, model in (("1", "1", QWEN), ("2", "1", NANO), ("—", "—", DEEPSEEK), ("—", "—", LOCAL))]
    assert ranked == sorted(ranked)
    assert any(set(line) <= set("├┼─┤") for line in lines[ranked[1] + 1:ranked[2]])  # a rule under the ranked models
    assert "unranked: 2 of 2 runs not scored: todo (budget)," in result.output
    assert "⚠ budget" in result.output and "⚠ infra" in result.output
    assert re.search(rf"│ 2 │\s+1\s+│ {re.escape(NANO)} .* 85\.0 \[78\.0, 92\.0\] B .* 75\.5% \(2 runs\) │", result.output)
    assert re.search(rf"│ — │\s+—\s+│ {re.escape(DEEPSEEK)} .* 0\.0 F .* not verified │", result.output)
    runtime = lines[next(i for i, line in enumerate(lines) if "Runtime: each backend built, booted and tested live" in line):]
    assert [cell.strip() for cell in runtime[2].split("┃")[1:-1]] == [
        "model", "run", "seed", "boots", "golden", "auth", "crud", "query", "negative", "workflow", "e2e"]
    cells = {(row[0], row[1]): row[3:] for row in (
        [cell.strip() for cell in line.split("│")[1:-1]] for line in runtime if line.startswith("│") and "seed" not in line)}
    assert cells[(NANO, "todo")] == ["yes", "27/33 · 81.8%", "3/3 · 100.0%", "7/7 · 100.0%", "7/7 · 100.0%",
                                     "6/10 · 60.0%", "4/6 · 66.7%", "16/16 · 100.0%"]
    assert cells[(QWEN, "todo")][:2] == ["no", "0.0%"] and cells[(QWEN, "reddit")][:2] == ["—", "not verified"]
    assert cells[(LOCAL, "reddit")][:2] == ["—", "not verified"]
    assert f"{QWEN} × todo (seed 0): runtime_failed: build: the code does not compile" in result.output
    assert f"{LOCAL} × reddit (seed 0): infra: install: npm registry unreachable" in result.output
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


def _section(text: str, title: str) -> list[str]:
    """The lines of a Markdown section, up to the next heading."""
    return text.split(f"## {title}\n\n", 1)[1].split("\n## ", 1)[0].strip().splitlines()


def test_markdown_shows_repeats_groups_variance_variants_and_cost(store: LocalStore) -> None:
    board = build_leaderboard(store, REPEATED)
    text = render_markdown(board)
    ranking = _section(text, "Ranking")
    assert ranking[0] == ("| # | Group | Contestant | Total [95% CI] | Grade | Repeats | todo | reddit | Cost | $/point "
                          "| Tokens/point | FCSR 1st | FCSR retries |")
    qwen = board.contestant(QWEN_BASE)
    # The mean with its interval, the tied group, each project's mean and its runs, the provider flag.
    assert ranking[3].startswith(
        f"| 2 | 2 | `{QWEN_BASE}` ⚠ served by 2 providers: {QWEN_PROVIDER}, {SECOND_PROVIDER} | "
        f"{fmt.estimate(qwen.total)} | B | 3 | 82.0 (80 / 84 / 82) | 80.0 (78 / 80 / 82) | $0.0360 | $0.000074 | 48 |")
    assert re.fullmatch(r"81\.0 \[\d\d\.\d, \d\d\.\d\]", fmt.estimate(qwen.total))
    assert [row.split(" | ")[1] for row in ranking[2:]] == ["1", "2", "2", "3"]
    assert "This round has one run per project" not in text
    variance = _section(text, "Run-to-run variance")
    assert variance[0].startswith("Run to run: ") and "of the score variance" in variance[0]
    assert f"| `{NANO_BASE}` | 1.6 | 0.0 | 100.0% |" in variance  # its projects have the same mean
    variants = _section(text, "Variants")
    assert variants[2:4] == ["| `base` | the models' own settings |",
                             "| `terse` | hot and impatient (temperature 0.8, retry validation 1) |"]
    effects = {effect.model: effect for effect in board.variant_effects}
    assert (f"| `{QWEN}` | terse vs base | {fmt.signed_estimate(effects[QWEN].delta)} | p = 0.005 | yes |" in variants
            and fmt.signed_estimate(effects[QWEN].delta).startswith("+8.0 ["))
    assert any(row.startswith(f"| `{NANO}` | terse vs base | -19.0 [") for row in variants)
    cost = _section(text, "Cost")
    assert [row.rsplit(" | ", 1)[1] for row in cost[2:]] == ["★ |", "★ |", "★ |", " |"]
    assert cost[5].startswith(f"| `{NANO_TERSE}` | 61.0 | $0.0090 | $0.00015 | 64 |")
    runs = _section(text, "Runs: what each phase produced")
    assert [row.split(" | ")[1:3] for row in runs[2:8]] == [
        ["todo", "0"], ["todo~2", "1"], ["todo~3", "2"], ["reddit", "0"], ["reddit~2", "1"], ["reddit~3", "2"]]
    notes = _section(text, "How to read this")
    assert any(note.startswith("- Variants: ") and "(base, the round file's first variant)" in note for note in notes)
    assert any(note.startswith("- Run-to-run share: ") for note in notes)
    assert any(note.startswith("- ⚠ providers: ") for note in notes)
    assert any("two-stage bootstrap" in note and "same bounds" in note for note in notes)


def test_a_round_without_repeats_or_variants_stays_uncluttered(store: LocalStore) -> None:
    board = build_leaderboard(store, LATER)
    text, html = render_markdown(board), render_html(board)
    for absent in ("Repeats", "## Run-to-run variance", "## Variants", "Variants:", "⚠ providers", "Contestant"):
        assert absent not in text
    for absent in ('class="variance"', 'class="variants"', 'class="effects"', "<th class=\"num\">Repeats</th>"):
        assert absent not in html
    assert "## Cost" in text and '<svg class="scatter"' in html  # every round has a cost


def test_a_project_cell_marks_the_repeat_that_is_missing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    write_repeated(store, "partial", {QWEN_BASE: {"todo": (80, 84), "reddit": (78, 80, 82)}})
    entry = build_leaderboard(store, "partial").contestant(QWEN_BASE)
    assert fmt.project_cell(entry.runs_of("todo")) == "82.0 (80 / 84 / ⚠ not finished)"
    assert fmt.project_cell(entry.runs_of("reddit")) == "80.0 (78 / 80 / 82)"
    assert entry.unranked_because == "1 of 6 runs not scored: todo~3 (not finished)"
    text = render_markdown(build_leaderboard(store, "partial"))
    assert f"- `{QWEN_BASE}` × todo~3 (seed 2): incomplete (not finished): analyze has not finished" in text


def test_json_holds_contestants_with_their_intervals_and_groups(store: LocalStore) -> None:
    data = json.loads(build_leaderboard(store, REPEATED).to_json())
    assert (data["repeats"], list(data["variants"])) == (3, ["base", "terse"])
    models = {m["contestant"]: m for m in data["models"]}
    assert [(m["contestant"], m["model"], m["variant"], m["repeats"], m["tied_group"], m["pareto"]) for m in data["models"]] == [
        (QWEN_TERSE, QWEN, "terse", 3, 1, True), (QWEN_BASE, QWEN, "base", 3, 2, True),
        (NANO_BASE, NANO, "base", 3, 2, True), (NANO_TERSE, NANO, "terse", 3, 3, False)]
    for contestant, entry in models.items():
        low, high = entry["total"]["ci95"]
        assert low < entry["total"]["mean"] < high
        expected = sum(sum(runs) / len(runs) for runs in REPEATED_SCORES[contestant].values()) / 2
        assert entry["total"]["mean"] == expected
    assert models[QWEN_BASE]["serving_flag"] == f"served by 2 providers: {QWEN_PROVIDER}, {SECOND_PROVIDER}"
    assert [(run["project"], run["repeat"], run["seed"]) for run in models[QWEN_BASE]["runs"]][:3] == [
        ("todo", 1, 0), ("todo", 2, 1), ("todo", 3, 2)]
    assert [(e["model"], e["variant"], e["baseline"], e["delta"]["mean"] > 0, e["significant"])
            for e in data["variant_effects"]] == [(NANO, "terse", "base", False, True), (QWEN, "terse", "base", True, True)]
    assert 0 < data["variance"]["run_to_run_share"] <= 1


def test_the_table_shows_repeats_groups_and_variants(store: LocalStore) -> None:
    result = CliRunner().invoke(app, ["leaderboard", REPEATED, "--store", str(store.root)], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    qwen = next(i for i, line in enumerate(lines) if f" {QWEN_BASE} " in line)
    assert re.match(rf"│ 2 │\s+2\s+│ {re.escape(QWEN_BASE)}\s+│ 81\.0 \[\d\d\.\d, \d\d\.\d\] B │\s+3 │ 82\.0 \(80 / 84 / 82\) │ "
                    r"80\.0 \(78 / 80 / 82\) │", lines[qwen])
    assert f"⚠ served by 2 providers: {QWEN_PROVIDER}, {SECOND_PROVIDER}" in lines[qwen + 1]
    for title in ("Run-to-run variance", "Variants", "Variant effects (variant − baseline, paired by project)", "Cost"):
        assert any(line.strip() == title for line in lines), title
    effect = next(line for line in lines if line.startswith(f"│ {QWEN} ") and "terse vs base" in line)
    assert re.search(r"\+8\.0 \[\d\.\d, \d+\.\d\] │ p = 0\.005 │\s+yes │", effect)
    cost_rows = [line for line in lines[next(i for i, line in enumerate(lines) if line.strip() == "Cost"):]
                 if line.startswith("│ ") and "★" in line]
    assert [row.split("│")[1].strip() for row in cost_rows] == [QWEN_TERSE, QWEN_BASE, NANO_BASE]
    assert any(re.match(rf"│ {re.escape(QWEN_BASE)}\s+│ todo~3\s+│ 2\s+│", line) for line in lines)


@pytest.mark.parametrize(("projects", "repeats", "floor"), [(4, 1, 0.125), (1, 3, 0.1), (2, 3, 0.005), (4, 2, 2 / 6**4)])
def test_the_smallest_p_a_round_of_its_size_can_give(projects: int, repeats: int, floor: float) -> None:
    """What the notes tell the reader is what the test gives when one contestant beats the other in every run."""
    assert stats.smallest_p(projects, repeats) == pytest.approx(floor)
    better = {f"p{index}": [90.0 + run for run in range(repeats)] for index in range(projects)}
    worse = {project: [value - 50 for value in runs] for project, runs in better.items()}
    assert stats.paired_difference(better, worse, seed=1).p_value == pytest.approx(floor)
