"""bench/scale: the farm at real size, against its latency bound (issue #16).

Every round runs on a deployed farm on 127.0.0.1 (bench/scale/deployed.py): redis-server, `farm
worker` processes taking generate jobs, the simulator in its own process answering each model
after `--latency-ms` (300 by default) from the project's answer book: todo's hand-written one, or a
generated one (farm.sim.bookgen) at the catalog project's size. Each model is a server of its own
(`/endpoint/<name>/v1`), with `concurrency` 4; rounds run with `operation_concurrency` 4. The bound
a run is measured against is its own critical path when the farm costs nothing (bench/scale/
ideal.py); efficiency = bound / wall time, wall time from submission to the run's realize end.

  efficiency  one shopping-size run, alone: efficiency, wall, bound, calls, per phase (target ≥ 0.95)
  cost        farm CPU per LLM call (workers' Python, their toolchain: type checkers, Prisma; ≤ 20 ms at todo
              and flat at shopping), peak RSS per process kind, store objects, bytes and S3 requests
              per run (the shopping run on moto's S3 server behind a counting proxy)
  lone        a lone todo run (target ≥ 0.90) and 8 concurrent todo runs on one worker of 8 pool
              processes (target ≥ 0.6, median over the runs)
  scaleout    8 models × the 4 catalog projects on 1, 2 and 4 pool processes: calls per second, and
              per added process against linear (target ≥ 0.9 until the endpoints' caps bind)
  typecheck   see bench/scale/typecheck.py (run apart)

Each farm first runs todo once per pool process, unmeasured (a worker's steady state).
Run: .venv/bin/python bench/scale/run.py [efficiency|cost|lone|scaleout|all] [--repeats 3]
     [--latency-ms 300] [--out bench/results/scale.json]. Medians over repeats; the load average
     before each measurement is printed with it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.scale.deployed import RoundFigures, ScaleFarm  # noqa: E402
from bench.scale.rounds import Project, project, round_data, run_figures  # noqa: E402
from farm import keys  # noqa: E402
from farm.catalog import catalog_names  # noqa: E402
from farm.store import Store  # noqa: E402
from tests.faults.s3proxy import FaultRates, FaultyS3Proxy  # noqa: E402
from tests.servers import moto_s3_server  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results"


def load() -> float:
    return round(os.getloadavg()[0], 2)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def store_footprint(store: Store, round_id: str) -> dict[str, int]:
    """Objects and bytes the round left in the store."""
    objects = store.list(keys.round_prefix(round_id))
    return {"objects": len(objects), "bytes": sum(len(store.get_bytes(key)) for key in objects)}


def cpu_per_call_ms(figures: RoundFigures, calls: int) -> dict[str, float]:
    cpu = figures.usage.cpu_s
    return {"total": round(1000 * sum(cpu.values()) / calls, 2),
            **{kind: round(1000 * seconds / calls, 2) for kind, seconds in sorted(cpu.items())}}  # fmt: skip


class Bench:
    def __init__(self, latency_ms: int, repeats: int, say: Callable[[str], None] = print) -> None:
        self.latency_ms, self.repeats, self.say = latency_ms, repeats, say
        self._rounds = 0

    def _round_id(self, what: str) -> str:
        self._rounds += 1
        return f"scale-{what}-{self._rounds}"

    def _farm(self, stack: ExitStack, projects: list[Project], **options: Any) -> ScaleFarm:
        """A farm whose pool processes have each run a todo run, unmeasured: the figures are a worker's
        steady state (imports done, toolchain caches warm), as in a round of many runs."""
        books = {name: path for p in projects for name, path in p.books.items()}
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scale-")))
        farm = stack.enter_context(ScaleFarm(workdir, latency_ms=self.latency_ms, books=books, **options))
        farm.run_round(round_data(self._round_id("warm-up"), options.get("concurrency", 1), [project("todo")],
                                  farm.sim_url))  # fmt: skip
        return farm

    def _run(self, farm: ScaleFarm, what: str, models: int, projects: list[Project]) -> tuple[RoundFigures, list[Any]]:
        figures = farm.run_round(round_data(self._round_id(what), models, projects, farm.sim_url))
        return figures, run_figures(farm.store, figures, self.latency_ms / 1000)

    # ---- the measurements
    def lone_runs(self, name: str) -> dict[str, Any]:
        """`repeats` lone runs of one project on one worker of one pool process."""
        chosen = project(name)
        effs, cpu, rss, walls = [], [], [], []
        with ExitStack() as stack:
            farm = self._farm(stack, [chosen])
            for _ in range(self.repeats):
                before = load()
                figures, (run,) = self._run(farm, name, 1, [chosen])
                effs.append(run.efficiency)
                walls.append(run.wall_s)
                cpu.append(cpu_per_call_ms(figures, run.calls))
                rss.append(figures.usage.peak_rss_mib)
                self.say(f"  {name} lone run: wall {run.wall_s:.1f} s, bound {run.bound_s:.1f} s, efficiency "
                         f"{run.efficiency:.3f}, {run.calls} calls, CPU/call {cpu[-1]['total']} ms (load {before})")
            phases = {p.phase: {"bound_s": round(p.bound_s, 2), "calls": p.calls, "batches": p.batches} for p in run.phases}
        return {
            "efficiency": _median(effs), "efficiency_all": [round(e, 3) for e in effs], "wall_s": _median(walls),
            "bound_s": round(run.bound_s, 2), "calls": run.calls, "phases": phases,
            "cpu_per_call_ms": {k: _median([c[k] for c in cpu]) for k in cpu[0]},
            "peak_rss_mib": {k: max(r.get(k, 0.0) for r in rss) for k in rss[0]},
        }  # fmt: skip

    def store_on_s3(self, name: str) -> dict[str, Any]:
        """One run on moto's S3 server behind a counting proxy: objects, bytes and requests."""
        chosen = project(name)
        for variable, value in (("AWS_ACCESS_KEY_ID", "scale"), ("AWS_SECRET_ACCESS_KEY", "scale"),
                                ("AWS_DEFAULT_REGION", "us-east-1")):  # moto's, for the bench and its workers
            os.environ.setdefault(variable, value)
        with ExitStack() as stack:
            s3 = stack.enter_context(moto_s3_server())
            proxy = stack.enter_context(FaultyS3Proxy(s3, FaultRates(), max_requests=10_000_000))
            boto3.client("s3", endpoint_url=s3).create_bucket(Bucket="scale")
            farm = self._farm(stack, [chosen], store_url="s3://scale/farm", s3_endpoint=proxy.url)
            before = proxy.counts["requests"]
            figures, (run,) = self._run(farm, name, 1, [chosen])
            requests = proxy.counts["requests"] - before
            footprint = store_footprint(farm.store, figures.round_id)
        self.say(f"  {name} on S3: {footprint['objects']} objects, {footprint['bytes'] / 2**20:.1f} MiB, {requests} "
                 f"requests ({requests / run.calls:.1f} per call); efficiency {run.efficiency:.3f}")
        return {**footprint, "s3_requests": requests, "s3_requests_per_call": round(requests / run.calls, 2),
                "calls": run.calls, "efficiency_on_s3": round(run.efficiency, 3)}  # fmt: skip

    def concurrent_runs(self, name: str, models: int) -> dict[str, Any]:
        """`models` runs of one project at once, on one worker with a pool process per run."""
        chosen = project(name)
        medians, worst, rounds = [], [], []
        with ExitStack() as stack:
            farm = self._farm(stack, [chosen], concurrency=models)
            for _ in range(self.repeats):
                before = load()
                figures, runs = self._run(farm, f"{name}-x{models}", models, [chosen])
                effs = [run.efficiency for run in runs]
                medians.append(statistics.median(effs))
                worst.append(min(effs))
                rounds.append(max(run.bound_s for run in runs) / figures.wall_s)
                calls = sum(run.calls for run in runs)
                self.say(f"  {models} × {name}: median run efficiency {medians[-1]:.3f} (worst {worst[-1]:.3f}), "
                         f"round {figures.wall_s:.1f} s, CPU/call {cpu_per_call_ms(figures, calls)['total']} ms "
                         f"(load {before})")
        return {"median_run_efficiency": _median(medians), "worst_run_efficiency": _median(worst),
                "round_efficiency": _median(rounds), "runs": models}  # fmt: skip

    def scale_out(self, processes: list[int], models: int, size: str | None, repeats: int) -> dict[str, Any]:
        """A round of `models` × the catalog's projects on 1, 2, 4 pool processes: throughput."""
        projects = [project(name, None if name == "todo" else size) for name in catalog_names()]
        rates: dict[int, list[float]] = {}
        detail: dict[int, dict[str, float]] = {}
        for count in processes:
            with ExitStack() as stack:
                farm = self._farm(stack, projects, concurrency=count)
                for _ in range(repeats):
                    before = load()
                    figures, runs = self._run(farm, f"out-{count}", models, projects)
                    calls = sum(run.calls for run in runs)
                    rates.setdefault(count, []).append(calls / figures.wall_s)
                    # Where the time went: how busy the processes were (a job on each all along: 1.0),
                    # and how close each job came to its own latency bound while it ran.
                    busy = sum((r.ended_at or 0) - (r.started_at or 0) for r in figures.jobs.values())
                    bound = sum(phase.bound_s for run in runs for phase in run.phases)
                    detail[count] = {"busy": round(busy / (figures.wall_s * count), 3),
                                     "job_efficiency": round(bound / busy, 3),
                                     "cpu_per_call_ms": cpu_per_call_ms(figures, calls)["total"]}  # fmt: skip
                    self.say(f"  {count} process(es): {calls} calls in {figures.wall_s:.1f} s = "
                             f"{rates[count][-1]:.1f} calls/s; processes busy {detail[count]['busy']:.2f}, jobs at "
                             f"{detail[count]['job_efficiency']:.2f} of their bound; CPU/call "
                             f"{detail[count]['cpu_per_call_ms']} ms (load {before})")
        base = _median(rates[processes[0]])
        return {str(count): {"calls_per_s": _median(r), "of_linear": round(_median(r) / (base * count / processes[0]), 3),
                             **detail[count]} for count, r in rates.items()}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="?", default="all", choices=["efficiency", "cost", "lone", "scaleout", "all"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--scaleout-size", default="small",
                        help="bookgen preset of the generated projects in the scale-out round (default: small)")
    parser.add_argument("--scaleout-repeats", type=int, default=1, help="its rounds take minutes (default: 1)")
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    args = parser.parse_args()
    bench = Bench(args.latency_ms, args.repeats)
    results: dict[str, Any] = {"latency_ms": args.latency_ms, "repeats": args.repeats, "cpus": os.cpu_count(),
                               "started": time.strftime("%Y-%m-%d %H:%M:%S")}  # fmt: skip
    chosen = {"efficiency", "cost", "lone", "scaleout"} if args.what == "all" else {args.what}
    sections: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
        ("shopping", "shopping, lone runs", lambda: bench.lone_runs("shopping")),
        ("todo", "todo, lone runs", lambda: bench.lone_runs("todo")),
        ("store", "store, one shopping run on S3", lambda: bench.store_on_s3("shopping")),
        ("todo_x8", "todo, 8 concurrent runs", lambda: bench.concurrent_runs("todo", 8)),
        ("scaleout", f"scale-out, 8 models × {', '.join(catalog_names())} ({args.scaleout_size} generated projects)",
         lambda: bench.scale_out([1, 2, 4], 8, args.scaleout_size, args.scaleout_repeats)),
    ]  # fmt: skip
    wanted = {"shopping": {"efficiency", "cost"}, "todo": {"lone", "cost"}, "store": {"cost"}, "todo_x8": {"lone"},
              "scaleout": {"scaleout"}}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for key, title, measure in sections:
        if wanted[key] & chosen:
            print(f"{title}:")
            results[key] = measure()
            args.out.write_text(json.dumps(results, indent=1) + "\n")  # a later failure keeps what was measured
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
