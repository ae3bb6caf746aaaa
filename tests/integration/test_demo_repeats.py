"""`farm demo --repeats 3 --variants` as a user runs it, on the embedded default: 4 scripted models × 2
harness variants × todo × 3 repeats go through the real farm (Redis, Celery workers, the simulator,
verify and score), and every rendering of its leaderboard shows the repeats, the intervals, the tied
groups, the variant effects, the provider flag and the cost view; the HTML page in headless Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from farm.leaderboard import stats
from tests.chromium import chromium
from tests.integration.embedded_cli import farm

pytestmark = pytest.mark.integration

CONTESTANTS = {f"sim/{model}+{variant}" for model in ("clean", "learner", "broken", "dice")
               for variant in ("standard", "tight")}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    store = tmp_path_factory.mktemp("repeats") / "store"
    run = farm("demo", "--repeats", "3", "--variants", store=store, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:] + run.stdout[-3000:]
    round_id = next(word for word in run.stdout.split() if word.startswith("demo-")).rstrip(":")
    yield store, round_id


def _json(store: Path, *args: str) -> Any:
    run = farm(*args, store=store, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_every_repeat_of_every_contestant_ran_with_its_own_seed(demo: tuple[Path, str]) -> None:
    store, round_id = demo
    snap = _json(store, "round", "status", round_id, "--json")
    assert snap["state"] == "complete"
    runs = {(run["model"], run["project"]): run["jobs"] for run in snap["runs"]}
    assert set(runs) == {(contestant, project) for contestant in CONTESTANTS for project in ("todo", "todo~2", "todo~3")}
    analyze = {key: jobs["analyze"]["state"] for key, jobs in runs.items()}
    failed = {key for key, state in analyze.items() if state == "model_failed"}
    # sim/broken never answers well; sim/learner needs more than the tight variant's one retry.
    assert {model for model, _ in failed} == {"sim/broken+standard", "sim/broken+tight", "sim/learner+tight"}
    assert all(state == "succeeded" for key, state in analyze.items() if key not in failed)
    base = store / "rounds" / round_id / "runs" / "sim"
    seeds = [json.loads((base / "dice+tight" / project / "analyze" / "result.json").read_text())["seed"]
             for project in ("todo", "todo~2", "todo~3")]
    assert seeds == [7, 8, 9]  # demo_repeats.yaml: seed 7, then one more per repeat
    # The tight variant enforces the procedure in every system prompt; the standard one does not.
    for variant, enforced in (("tight", True), ("standard", False)):
        prompt = json.loads((base / f"dice+{variant}" / "todo~2" / "analyze" / "prompts" / "plan.json").read_text())
        assert ("## Procedure" in prompt["system"]) is enforced, variant


def test_the_json_leaderboard_gives_what_scripts_rely_on(demo: tuple[Path, str]) -> None:
    store, round_id = demo
    board = _json(store, "leaderboard", round_id, "--format", "json")
    entries = {entry["contestant"]: entry for entry in board["models"]}
    assert set(entries) == CONTESTANTS and board["repeats"] == 3 and list(board["variants"]) == ["standard", "tight"]
    for entry in entries.values():
        assert entry["repeats"] == 3 and entry["variant"] in ("standard", "tight")
        low, high = entry["total"]["ci95"]
        assert low <= entry["total"]["mean"] <= high
        assert isinstance(entry["tied_group"], int) and entry["rank"] is not None
    dice = [run["score"]["total"] for run in entries["sim/dice+standard"]["runs"]]
    assert len(set(dice)) > 1, dice  # its draws differ by seed; the clean model's runs do not
    assert len({run["score"]["total"] for run in entries["sim/clean+standard"]["runs"]}) == 1
    assert entries["sim/dice+standard"]["total"]["ci95"][0] < entries["sim/dice+standard"]["total"]["ci95"][1]
    assert entries["sim/dice+tight"]["serving_flag"].startswith("served by 2 providers")
    assert entries["sim/clean+standard"]["serving_flag"] is None
    # One project, three repeats: no difference can reach p < 0.05 (2 / C(6, 3) = 0.1), so one tied group;
    # the notes say so.
    assert {entry["tied_group"] for entry in entries.values()} == {1}
    effects = {effect["model"]: effect for effect in board["variant_effects"]}
    learner = effects["sim/learner"]
    assert learner["delta"]["mean"] < -90 and learner["p_value"] == pytest.approx(stats.smallest_p(1, 3))
    assert not learner["significant"] and effects["sim/clean"]["delta"]["mean"] == 0
    front = {contestant for contestant, entry in entries.items() if entry["pareto"]}
    assert "sim/clean+standard" not in front  # the learner scores as much for less
    assert all(entry["cost_per_point"] is None for entry in entries.values() if entry["total"]["mean"] == 0)


def test_markdown_and_the_html_page_show_it(demo: tuple[Path, str], tmp_path: Path) -> None:
    store, round_id = demo
    md = farm("leaderboard", round_id, "--format", "md", store=store, timeout=120)
    assert md.returncode == 0, md.stderr
    assert "| Group |" in md.stdout and "⚠ served by 2 providers: sim-east, sim-west" in md.stdout
    assert "tight vs standard" in md.stdout and "p ≥ 0.1, so no difference in it can be significant" in md.stdout
    page = tmp_path / "leaderboard.html"
    html = farm("leaderboard", round_id, "--format", "html", "--output", str(page), store=store, timeout=120)
    assert html.returncode == 0, html.stderr
    dom = chromium(["--dump-dom", page.as_uri()], tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    rows = re.findall(r'<td class="rank">(\d)</td>\s*<td class="group">(\d)</td>\s*<td><div class="model">([^<]+)</div>',
                      text)
    assert {contestant for _, _, contestant in rows} == CONTESTANTS and {group for _, group, _ in rows} == {"1"}
    sections = re.findall(r"<h2>([^<]+)", text)
    for section in ("Ranking", "Run-to-run variance", "Variant effects", "Cost", "How to read this"):
        assert any(title.strip() == section for title in sections), sections
    assert text.count('class="ibar"') >= len(CONTESTANTS)  # an interval bar per total, at least
    assert re.search(r"<svg[^>]*>", text) and "sim-east, sim-west" in text
