"""bench/overhead: the harness's own cost per LLM call, and the farm's per phase job.

Both are measured against a baseline in the same run, on this machine, medians over repeats:
  1. harness overhead per call = harness call − bare `openai` call, same request, simulator at
     zero latency (target ≤ 2 ms median);
  2. farm overhead per phase job = a job's cycle through one worker (its start to the next job's
     start) − the time inside its operations, against a bare Celery task round trip on the same
     Celery configuration (target ≤ 3 × bare).
Each cost is counted once: what scales with the calls (the gate, the call, parsing, validation,
the operation's checkpoint with its attempt) is target 1's, measured per call; what a job costs
whatever its calls (dispatch, lease, ledger, the phase's own work, its artifacts, queueing what
follows) is target 2's. Counted in both, a job's allowance would shrink with every call it makes,
and the two targets would contradict each other for any job of more than a few calls. The all-in
figure (cycle − LLM latency) is printed beside them.
The simulator runs in a process of its own, as a real endpoint would.
Run: .venv/bin/python bench/overhead/run.py [--calls 300] [--blocks 7] [--jobs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path

import httpx

import yaml
from celery import Celery

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from farm import keys  # noqa: E402
from farm.ledger import SCORE, JobKey, JobRecord, Ledger  # noqa: E402
from farm.queueing import make_celery  # noqa: E402
from farm.redis_server import RedisServer, free_port  # noqa: E402
from farm.roundfile import parse_round  # noqa: E402
from farm.scheduler import submit  # noqa: E402
from farm.sim.fixtures import DEFAULT_SCRIPTS_DIR  # noqa: E402
from farm.manifest import resolve_endpoints  # noqa: E402
from farm.spec import RetryPolicy  # noqa: E402
from farm.store import Store, open_store  # noqa: E402
from tests.servers import WorkerProcess, wait_until  # noqa: E402
from workers.context import StoreContext  # noqa: E402
from workers.oplog import OperationLog  # noqa: E402
from workers.harness.endpoint import make_client, request_options  # noqa: E402
from workers.harness.shared_gate import SharedGate  # noqa: E402
from workers.harness.operation import OperationRunner  # noqa: E402
from workers.phases.analyze.ast import AnalyzePlan  # noqa: E402
from workers.phases.analyze.phase import check_plan  # noqa: E402
from workers.phases.base import Operation  # noqa: E402


def zero_latency_scripts(dest: Path, plan_copies: int) -> Path:
    """The built-in scripts with a clean model that answers at once, and the todo plan's answer
    under `plan-0` … `plan-N` too: the harness bench runs a fresh operation (so a fresh checkpoint)
    per call, and the simulator answers by operation id."""
    shutil.copytree(DEFAULT_SCRIPTS_DIR, dest)
    clean = yaml.safe_load((dest / "models" / "clean.yaml").read_text())
    clean.update(name="sim/instant", latency_ms=0)
    (dest / "models" / "instant.yaml").write_text(yaml.safe_dump(clean))
    plan = yaml.safe_load((dest / "answers" / "todo" / "analyze.yaml").read_text())["analyze/plan"]
    copies = {f"analyze/plan-{i}": plan for i in range(plan_copies)}
    (dest / "answers" / "todo" / "bench.yaml").write_text(yaml.safe_dump(copies))
    return dest


@contextmanager
def simulator_process(scripts: Path) -> Iterator[str]:
    """The simulator in a process of its own, as a real endpoint is: it must not share our GIL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "farm", "sim", "--port", str(port), "--scripts", str(scripts)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"

    def up() -> bool:
        try:
            return httpx.get(url + "/models", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, 30, "simulator")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_harness(sim_url: str, redis_url: str, store_dir: Path, calls: int) -> dict[str, float]:
    """The production path of one operation of one call: shared gate (budget reservation, rate
    limits in Redis), the harness, and the operation's checkpoint with its attempt in the store."""
    data = _instant_round("bench-harness", 1) | {"budgets": {"round_usd": 1000}}
    spec = resolve_endpoints(parse_round(data, "bench").spec, sim_url)
    model = spec.models[0]
    client = make_client(model)
    store, ledger = open_store(str(store_dir)), Ledger.from_url(redis_url)
    phase_keys = keys.RunKeys(spec.round, model.id, "todo").phase("analyze")
    log = OperationLog(store, spec.round, model.id, "todo", "analyze", phase_keys, "d")
    runner = OperationRunner(client=client, model=model, policy=RetryPolicy(), phase="analyze",
                             gate=SharedGate(ledger.r, spec.round, spec), record=log)
    ctx = StoreContext(round_id=spec.round, model_id=model.id, project="todo", requirements="", phase="analyze",
                       store=store, runner=runner, log=log, concurrency=1)
    ops = (Operation(op_id=f"plan-{i}", tool_name="analyze_plan", description="plan", ast=AnalyzePlan,
                     system="You are an analyst.", user="Plan the todo app.", check=check_plan) for i in count())
    messages = [{"role": "system", "content": "You are an analyst."}, {"role": "user", "content": "Plan the todo app."}]
    bare, harness = [], []
    for i in range(20 + calls):  # interleaved, so drift hits both alike; the first 20 warm up
        options = request_options(model, next(ops), "analyze")  # a fresh operation for the simulator too
        start = time.perf_counter()
        client.chat.completions.create(messages=messages, **options)
        bare_s = time.perf_counter() - start
        op = next(ops)
        start = time.perf_counter()
        ctx.run([op])
        harness_s = time.perf_counter() - start
        if i >= 20:
            bare.append(bare_s)
            harness.append(harness_s)
    return {"bare_call_ms": median_ms(bare), "harness_call_ms": median_ms(harness),
            "harness_overhead_ms": median_ms(harness) - median_ms(bare)}


def store_write_ms(store_dir: Path, label: str) -> float:
    """Median time to write one small new artifact to the local store, in fresh folders as a job
    does: the context for the per-job figure. On ext4, creating files stays slow for minutes after
    many were deleted (a test run, an earlier bench's clean-up): it shows here first."""
    store = open_store(str(store_dir / f"probe-{label}"))
    samples = []
    for i in range(300):
        start = time.perf_counter()
        store.put_text(f"run-{i // 10}/phase/file-{i}.json", "{}" * 500)
        samples.append(time.perf_counter() - start)
    return median_ms(samples)


def _instant_round(round_id: str, models: int) -> dict:
    return {
        "round": round_id,
        "models": [{"id": f"bench/m{i:03d}", "served_name": "sim/instant", "endpoint": {"kind": "simulator"},
                    "prices": {"input": 0.5, "output": 1.5}} for i in range(models)],
        "projects": ["todo"], "phases": ["analyze"], "operation_concurrency": 1,
    }  # fmt: skip


class BareCelery:
    """The baseline: a no-op task's round trip through a worker on the farm's Celery configuration."""

    def __init__(self, redis_url: str, log_dir: Path) -> None:
        os.environ["FARM_REDIS_URL"] = redis_url
        sys.path.insert(0, str(Path(__file__).parent))
        import bare_app

        self.noop = bare_app.noop
        env = {"FARM_REDIS_URL": redis_url, "PYTHONPATH": str(Path(__file__).parent)}
        self.worker = WorkerProcess(env, log_dir / "bare-worker.log", concurrency=1, queues="bare", app="bare_app")
        self.round_trips(10)  # warm up

    def round_trips(self, n: int) -> list[float]:
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            self.noop.delay().get(timeout=30)
            samples.append(time.perf_counter() - start)
        return samples


def bench_farm_jobs(sim_url: str, redis_url: str, store_dir: Path, log_dir: Path, blocks: int, batch: int) -> dict[str, float]:
    """Farm overhead per phase job, in the steady state of one generate worker process, in blocks
    that alternate with the bare baseline (so the ratio of each block compares like with like on a
    machine whose speed drifts); the figures are medians over the blocks.

    A many-job round is queued at once, as in production; one worker takes its jobs one after
    another. A job's cycle is from its start to the next job's start: its execution, sending what
    follows it (the run's score job), the ack, fetching and starting the next. The farm's overhead
    is that cycle minus the time inside the job's operations (`operations_s` of its result); the
    all-in figure subtracts only the LLM calls' latency. The dispatch latency (queued → started) of
    a lone job is reported beside them.
    """
    store, ledger, app = open_store(str(store_dir)), Ledger.from_url(redis_url), make_celery(redis_url)
    env = {"FARM_REDIS_URL": redis_url, "FARM_STORE": str(store_dir)}
    farm_worker = WorkerProcess(env, log_dir / "farm-worker.log", concurrency=1, queues="generate")
    bare = BareCelery(redis_url, log_dir)
    before_ms = store_write_ms(store_dir, "before")
    dispatch, ratios, bare_ms, farm_ms, all_in_ms, rates = [], [], [], [], [], []
    try:
        for i in range(8):  # the first rounds warm the worker up
            record = _run_round(_instant_round(f"one-{i}", 1), store, ledger, app, sim_url)[0][1]
            if i >= 3:
                dispatch.append(record.started_at - record.queued_at)
        for block in range(blocks):
            baseline = median_ms(bare.round_trips(50))
            start = time.perf_counter()
            jobs = _run_round(_instant_round(f"batch-{block}", batch), store, ledger, app, sim_url)
            rates.append(batch / (time.perf_counter() - start))
            overhead, all_in = _job_overheads(store, f"batch-{block}", jobs)
            bare_ms.append(baseline)
            farm_ms.append(overhead)
            all_in_ms.append(all_in)
            ratios.append(overhead / baseline)
    finally:
        farm_worker.stop()
        bare.worker.stop()
    return {
        "store_write_ms (before, after)": f"{before_ms:.3f}, {store_write_ms(store_dir, 'after'):.3f}",
        "bare_celery_round_trip_ms": statistics.median(bare_ms),
        "farm_overhead_per_job_ms": statistics.median(farm_ms),
        "all_in_overhead_per_job_ms": statistics.median(all_in_ms),
        "lone_job_dispatch_ms": median_ms(dispatch),
        "jobs_per_s": statistics.median(rates),
        "farm_overhead_ratio": statistics.median(ratios),
        "farm_overhead_ratio_range": f"{min(ratios):.2f}–{max(ratios):.2f} over {blocks} blocks of {batch} jobs",
        "all_in_overhead_ratio": statistics.median(a / b for a, b in zip(all_in_ms, bare_ms)),
    }


def _job_overheads(store: Store, round_id: str, jobs: list[tuple[JobKey, JobRecord]]) -> tuple[float, float]:
    """Median (ms) over the round's jobs of cycle − operations, and of cycle − LLM latency."""
    jobs = sorted(jobs, key=lambda item: item[1].started_at)
    overhead, all_in = [], []
    for (job, record), (_, following) in zip(jobs, jobs[1:]):
        phase = keys.RunKeys(round_id, job.model, job.project).phase(job.phase)
        result = store.get_json(phase.result)
        assert result["outcome"] == "succeeded", result
        cycle = following.started_at - record.started_at
        latency = sum(json.loads(line)["latency_ms"] for line in store.get_text(phase.calls).splitlines()) / 1000
        overhead.append(cycle - result["operations_s"])
        all_in.append(cycle - latency)
    return median_ms(overhead), median_ms(all_in)


def _run_round(data: dict, store: Store, ledger: Ledger, app: Celery, sim_url: str) -> list[tuple[JobKey, JobRecord]]:
    """Submit a round and wait for its phase jobs (the score jobs are left queued: no score worker)."""
    round_id = data["round"]
    submit(parse_round(data, "bench"), store, ledger, app, sim_url)

    def phase_jobs() -> list[tuple[JobKey, JobRecord]]:
        return [(job, record) for job, record in ledger.jobs(round_id).items() if job.phase != SCORE]

    # Figures come from the ledger's timestamps, not from this loop: polling slowly keeps the bench
    # off the two cores the worker, the simulator and Redis share.
    wait_until(lambda: all(record.state.terminal for _, record in phase_jobs()), 600, round_id, 0.05)
    return phase_jobs()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--blocks", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=20, help="jobs per block")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name, RedisServer() as redis_server:
        tmp = Path(tmp_name)
        with simulator_process(zero_latency_scripts(tmp / "scripts", 2 * (args.calls + 20))) as sim_url:
            harness = bench_harness(sim_url, redis_server.url, tmp / "store-h", args.calls)
            farm = bench_farm_jobs(sim_url, redis_server.url, tmp / "store-f", tmp, args.blocks, args.jobs)
    report = {**harness, **farm}
    report["targets"] = {"harness_overhead_ms<=2": report["harness_overhead_ms"] <= 2,
                         "farm_overhead_ratio<=3": report["farm_overhead_ratio"] <= 3}
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "overhead.json").write_text(json.dumps(report, indent=2))
    for name, value in report.items():
        print(f"{name:32} {value:.3f}" if isinstance(value, float) else f"{name:32} {value}")


if __name__ == "__main__":
    main()
