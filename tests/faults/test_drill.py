"""The combined fault drill, small enough for CI: one round on a deployed farm, fault-free and then
under worker SIGKILLs (main and pool), a redis-server SIGKILL + restart from its AOF, and S3 errors,
dropped connections and cut bodies at once — with no human in the loop. The full-size drill
(≥ 40 kills, four models, five phases) is `bench/drills/run.py`; this one runs the same code and
checks the same invariants (bench/drills/drill.py says what each means)."""

from __future__ import annotations

import pytest

from bench.drills.drill import MAIN, POOL, DrillConfig, drill, render

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def test_a_round_under_every_fault_at_once_holds_every_invariant(tmp_path) -> None:
    cfg = DrillConfig(
        models=["sim/clean", "sim/stubborn"],
        phases=["analyze", "database", "interface"],
        kills=6,
        kill_every_s=2.5,
        redis_down_s=5.0,
        s3_fault_rate=0.10,
        workers=2,
        concurrency=2,
        seed=12,
        round_timeout_s=300.0,
        workdir=tmp_path,
    )
    report = drill(cfg, say=lambda line: print(line, flush=True))
    print(render(report, cfg))

    run = report.faulted
    # The faults really happened: each kind of kill, the Redis outage, S3 faults of every kind.
    assert len(run.kills) == cfg.kills
    assert {k["kind"] for k in run.kills} == {MAIN, POOL}
    assert run.redis_down_s >= cfg.redis_down_s
    assert all(run.s3_faults.get(kind, 0) > 0 for kind in ("error", "drop", "truncate")), run.s3_faults
    # And the farm held: nothing lost, nothing paid twice, nothing blamed on the model, ledger ==
    # Σ calls.jsonl (+ worst case of calls of unknown outcome), within the stated recovery bound.
    assert report.violations == []
    assert report.figures["paid_twice"] == 0
