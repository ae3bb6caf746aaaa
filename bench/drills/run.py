"""The fault drill of issue 12, by hand: a round fault-free, then again under worker SIGKILLs (main and
pool), a redis-server SIGKILL + restart from its AOF mid-round and S3 faults of every kind, with no
human in the loop; then the targets are checked (bench/drills/drill.py says what each one means).

Everything runs on 127.0.0.1 and is stopped at the end. Run on an otherwise idle host:

    .venv/bin/python bench/drills/run.py --kills 40 --seed 1
    .venv/bin/python bench/drills/run.py --models sim/clean --phases analyze,database --kills 6

Exit status 0 when every invariant held, 1 when one broke (each is printed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.drills.drill import DrillConfig, drill, render  # noqa: E402


def main() -> int:
    defaults = DrillConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=defaults.kills, help="worker SIGKILLs, main and pool mixed")
    parser.add_argument("--kill-every", type=float, default=defaults.kill_every_s, help="mean seconds between kills")
    parser.add_argument("--models", default=",".join(defaults.models), help="comma-separated scripted models")
    parser.add_argument("--phases", default=",".join(defaults.phases), help="a prefix of the five phases")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--s3-fault-rate", type=float, default=defaults.s3_fault_rate,
                        help="the chance of each S3 fault kind per request (error, drop, truncate)")
    parser.add_argument("--redis-restart", action=argparse.BooleanOptionalAction, default=defaults.redis_restart,
                        help="SIGKILL redis-server mid-round and restart it from its AOF")
    parser.add_argument("--redis-down", type=float, default=defaults.redis_down_s, help="seconds Redis stays down")
    parser.add_argument("--kill-after-redis", type=float, default=defaults.kill_after_redis_s,
                        help="seconds between Redis being back and the next worker kill")
    parser.add_argument("--latency-ms", type=int, default=defaults.latency_ms, help="the simulator's per-call latency")
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency, help="pool processes per worker")
    parser.add_argument("--budget", type=float, default=defaults.budget_usd, help="the round's budget, USD")
    parser.add_argument("--lease-ttl", type=float, default=defaults.lease_ttl_s, help="the workers' job lease TTL")
    parser.add_argument("--round-timeout", type=float, default=defaults.round_timeout_s)
    parser.add_argument("--workdir", type=Path, help="keep the logs, AOF and scripts here (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    cfg = DrillConfig(
        models=args.models.split(","), phases=args.phases.split(","), kills=args.kills, kill_every_s=args.kill_every,
        redis_restart=args.redis_restart, redis_down_s=args.redis_down,
        kill_after_redis_s=args.kill_after_redis, s3_fault_rate=args.s3_fault_rate,
        latency_ms=args.latency_ms, seed=args.seed, workers=args.workers, concurrency=args.concurrency,
        budget_usd=args.budget, lease_ttl_s=args.lease_ttl, round_timeout_s=args.round_timeout, workdir=args.workdir,
    )  # fmt: skip
    started = time.monotonic()
    report = drill(cfg, say=lambda line: print(line, flush=True))
    print(render(report, cfg))
    print(f"drill took {time.monotonic() - started:.0f}s")
    if args.json:
        figures = report.figures | {"kills": report.faulted.kills, "redis_down_s": report.faulted.redis_down_s,
                                    "s3_faults": report.faulted.s3_faults, "violations": report.violations}
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
