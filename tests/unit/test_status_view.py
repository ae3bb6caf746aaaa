"""`farm round status` as people see it: readable at 80 columns, and a live view that fits the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from farm.status import NO_WORKER, PIPELINE, duration, render

LONG_MODEL = "deepseek/deepseek-chat-v3.1-terminus"
LONG_BUDGET_MODEL = "qwen/qwen3-coder-30b-a3b-instruct"


def _job(state: str, *, reason: str = "", deliveries: int = 1, stalled: bool = False) -> dict[str, Any]:
    return {"state": state, "reason": reason, "deliveries": deliveries, "worked_s": 1.0, "stalled": stalled}


def _run(model: str, project: str, states: list[str], **job: Any) -> dict[str, Any]:
    jobs = {phase: _job(state, **job) for phase, state in zip(PIPELINE, states, strict=False)}
    return {"model": model, "project": project, "worked_s": 754.0, "jobs": jobs}


def _snap(runs: list[dict[str, Any]], *, state: str = "running") -> dict[str, Any]:
    jobs = [job for run in runs for job in run["jobs"].values()]
    done = sum(job["state"] in ("succeeded", "model_failed", "skipped", "infra_failed") for job in jobs)
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job["state"]] = counts.get(job["state"], 0) + 1
    return {
        "round": "2026-12", "state": state, "created_at": 0.0, "elapsed_s": 7200.0, "worked_s": 1800.0,
        "eta_s": 600.0 if state == "running" else None, "phases": list(PIPELINE), "counts": counts, "jobs": len(jobs),
        "done": done, "stalled": sum(job["stalled"] for job in jobs), "runs": runs,
        "usage": {LONG_MODEL: {"attempts": 120, "input_tokens": 1_234_567, "cached_tokens": 45_000,
                               "output_tokens": 98_000, "reasoning_tokens": 12_000, "cost_usd": 1.25}},
        "budgets": [
            {"scope": "round", "model": "", "limit_usd": 50.0, "spent_usd": 12.5, "reserved_usd": 0.5, "expired_usd": 0.0},
            {"scope": f"model:{LONG_BUDGET_MODEL}", "model": LONG_BUDGET_MODEL, "limit_usd": 20.0, "spent_usd": 3.0,
             "reserved_usd": 0.0, "expired_usd": 0.0},
        ],
        "budget_changes": [],
    }  # fmt: skip


DONE = ["succeeded"] * len(PIPELINE)


def _text(renderable: Any, *, width: int = 80, height: int = 25, terminal: bool = False) -> str:
    console = Console(width=width, height=height, force_terminal=terminal, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _words(text: str) -> str:
    return " ".join(text.split())


def test_at_80_columns_nothing_is_cut_and_phases_come_in_pipeline_order() -> None:
    failed = _run(LONG_MODEL, "shopping", ["succeeded", "model_failed", "skipped", "skipped", "skipped", "skipped",
                                           "succeeded"], reason="operation x: validation retries exhausted")  # fmt: skip
    failed["jobs"]["score"]["reason"] = "total 12 (F)"
    dead = _run(LONG_MODEL, "todo", ["succeeded", "succeeded", "running", *["pending"] * 4])
    dead["jobs"]["interface"]["stalled"] = True
    snap = _snap([dead, failed, _run(LONG_BUDGET_MODEL, "todo", ["budget_stopped", "cancelled", *["pending"] * 5])])
    text = _text(render(snap, fit=False))

    assert "…" not in text, text
    assert max(len(line) for line in text.splitlines()) <= 80
    header = next(line for line in text.splitlines() if line.startswith("project"))
    assert header.split()[1:] == [*PIPELINE, "worked"]  # analyze database interface test realize verify score
    rows = text.splitlines()
    todo = rows[rows.index(LONG_MODEL) + 1].split()
    assert todo == ["todo", "ok", "ok", NO_WORKER, "·", "·", "·", "·", duration(754.0)]
    assert rows[rows.index(LONG_MODEL) + 2].split() == ["shopping", "ok", "failed", "skipped", "skipped", "skipped",
                                                         "skipped", "12", "(F)", "12m34s"]
    assert rows[rows.index(LONG_BUDGET_MODEL) + 1].split()[1:3] == ["budget", "cancelled"]
    assert "ok=succeeded" in text and "failed=model_failed" in text and "budget=budget_stopped" in text
    assert f"{NO_WORKER}=running, no live worker" in _words(text) and "1 job(s) stalled" in text
    # One meaning of tokens, said in the header: input includes cached, output includes reasoning.
    assert "input incl." in text and "(cached)" in text and "output incl." in text and "(reasoning)" in text
    assert "1.23M (45.0k)" in text and "98.0k (12.0k)" in text
    assert f"{LONG_BUDGET_MODEL} │ 3.000000 │" in _words(text)  # the budget's model in full
    assert "why:" in text and "shopping × database: operation x: validation retries exhausted" in _words(text)


def test_the_live_view_fits_the_terminal_keeping_summary_progress_eta_and_budgets() -> None:
    models = [f"vendor/model-{i:02d}" for i in range(20)]
    runs = [_run(model, project, DONE) for model in models for project in ("todo", "reddit", "shopping", "erp")]
    runs[5] = _run(models[1], "reddit", ["succeeded", "running"])
    runs[42] = _run(models[10], "shopping", ["succeeded", "succeeded", "queued"])
    runs[43] = _run(models[10], "erp", ["model_failed", "skipped"], reason="operation plan: retries exhausted")
    snap = _snap(runs)
    height = 30

    lines = _text(render(snap), height=height, terminal=True).splitlines()

    assert len(lines) < height
    text = "\n".join(lines)
    assert text.startswith("round 2026-12 — running · worked 30m00s (2h00m since submission)")
    assert "━" in lines[1] and f"{snap['done']}/{snap['jobs']} jobs · ETA ~10m00s" in lines[1]
    assert "budgets (USD)" in text and f"{LONG_BUDGET_MODEL} │ 3.000000 │" in _words(text)  # the budgets, in full
    # Too many runs for the height: only the active ones, and where to see the rest.
    assert "2 active run(s) of 80; `farm round status 2026-12` shows all" in text
    assert "vendor/model-01" in text and "vendor/model-10" in text and "vendor/model-02" not in text


def test_the_live_view_shows_everything_when_it_fits_and_the_static_one_always_does() -> None:
    snap = _snap([_run(LONG_MODEL, "todo", ["succeeded", "running"])])
    roomy = _text(render(snap), height=60, terminal=True)
    everything = _text(render(snap, fit=False), height=10)
    assert roomy == _text(render(snap, fit=False), height=60)
    assert "why:" not in everything and "usage" in [line.strip() for line in everything.splitlines()] and "budgets (USD)" in everything
    assert LONG_MODEL in everything and len(everything.splitlines()) > 10  # not fitted: the terminal scrolls


def test_a_tiny_terminal_still_gets_the_summary_and_the_budget_line() -> None:
    runs = [_run(f"vendor/model-{i:02d}", "todo", ["succeeded", "running"]) for i in range(30)]
    text = _text(render(_snap(runs)), height=8, terminal=True)
    assert text.startswith("round 2026-12 — running")
    assert f"budgets: round $13.00 of $50.00 (26%) · {LONG_BUDGET_MODEL} $3.00 of $20.00 (15%)" in _words(text)
    assert "30 run(s): 30 active; `farm round status 2026-12` shows all" in text
    assert len(text.splitlines()) < 8


def test_durations_read_at_a_glance() -> None:
    assert [duration(s) for s in (None, 8.44, 754, 11_220, 183_600)] == ["-", "8.4s", "12m34s", "3h07m", "2d03h"]
