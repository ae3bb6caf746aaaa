"""bench/overhead: the harness's own cost per LLM call, and the farm's per phase job.

Both are measured against a baseline in the same run, on this machine, medians over repeats:
  1. harness overhead per call = harness call − bare `openai` call, same request, simulator at
     zero latency (target ≤ 2 ms median);
  2. farm overhead per phase job = dispatch + (job wall time − its LLM calls' own latency),
     against a bare Celery task round trip on the same Celery configuration (target ≤ 3 × bare).
The simulator runs in a process of its own, as a real endpoint would.
Run: .venv/bin/python bench/overhead/run.py [--calls 300] [--repeats 30] [--jobs 24]
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
from pathlib import Path

import httpx

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from farm import keys  # noqa: E402
from farm.ledger import Ledger  # noqa: E402
from farm.queueing import make_celery  # noqa: E402
from farm.redis_server import RedisServer, free_port  # noqa: E402
from farm.roundfile import parse_round  # noqa: E402
from farm.scheduler import submit  # noqa: E402
from farm.sim.fixtures import DEFAULT_SCRIPTS_DIR  # noqa: E402
from farm.manifest import resolve_endpoints  # noqa: E402
from farm.spec import RetryPolicy  # noqa: E402
from farm.store import open_store  # noqa: E402
from tests.servers import WorkerProcess, wait_until  # noqa: E402
from workers.context import AttemptLog  # noqa: E402
from workers.harness.endpoint import make_client, request_options  # noqa: E402
from workers.harness.shared_gate import SharedGate  # noqa: E402
from workers.harness.operation import OperationRunner  # noqa: E402
from workers.phases.analyze.ast import AnalyzePlan  # noqa: E402
from workers.phases.analyze.phase import check_plan  # noqa: E402
from workers.phases.base import Operation  # noqa: E402


def zero_latency_scripts(dest: Path) -> Path:
    """The built-in scripts with a clean model that answers at once."""
    shutil.copytree(DEFAULT_SCRIPTS_DIR, dest)
    clean = yaml.safe_load((dest / "models" / "clean.yaml").read_text())
    clean.update(name="sim/instant", latency_ms=0)
    (dest / "models" / "instant.yaml").write_text(yaml.safe_dump(clean))
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
    """The production path: shared gate (budget reservation, rate limits in Redis) and attempt log."""
    data = _instant_round("bench-harness", 1) | {"budgets": {"round_usd": 1000}}
    spec = resolve_endpoints(parse_round(data, "bench").spec, sim_url)
    model = spec.models[0]
    op = Operation(op_id="plan", tool_name="analyze_plan", description="plan", ast=AnalyzePlan,
                   system="You are an analyst.", user="Plan the todo app.", check=check_plan)
    client = make_client(model)
    store, ledger = open_store(str(store_dir)), Ledger.from_url(redis_url)
    log = AttemptLog(store, spec.round, model.id, "todo", "analyze",
                     keys.RunKeys(spec.round, model.id, "todo").phase("analyze"), "d")
    runner = OperationRunner(client=client, model=model, policy=RetryPolicy(), phase="analyze",
                             gate=SharedGate(ledger.r, spec.round, spec), record=log)
    options = request_options(model, op, "analyze")
    messages = [{"role": "system", "content": op.system}, {"role": "user", "content": op.user}]
    bare, harness = [], []
    for _ in range(20):  # warm up both paths
        client.chat.completions.create(messages=messages, **options)
        runner.run(op)
    for _ in range(calls):  # interleaved, so drift hits both alike
        start = time.perf_counter()
        client.chat.completions.create(messages=messages, **options)
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        runner.run(op)
        harness.append(time.perf_counter() - start)
    return {"bare_call_ms": median_ms(bare), "harness_call_ms": median_ms(harness),
            "harness_overhead_ms": median_ms(harness) - median_ms(bare)}


def bench_bare_celery(redis_url: str, log_dir: Path, repeats: int) -> float:
    os.environ["FARM_REDIS_URL"] = redis_url
    sys.path.insert(0, str(Path(__file__).parent))
    import bare_app

    env = {"FARM_REDIS_URL": redis_url, "PYTHONPATH": str(Path(__file__).parent)}
    worker = WorkerProcess(env, log_dir / "bare-worker.log", concurrency=1, queues="bare", app="bare_app")
    try:
        for _ in range(10):
            bare_app.noop.delay().get(timeout=30)
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            bare_app.noop.delay().get(timeout=30)
            samples.append(time.perf_counter() - start)
    finally:
        worker.stop()
    return median_ms(samples)


def _instant_round(round_id: str, models: int) -> dict:
    return {
        "round": round_id,
        "models": [{"id": f"bench/m{i:03d}", "served_name": "sim/instant", "endpoint": {"kind": "simulator"},
                    "prices": {"input": 0.5, "output": 1.5}} for i in range(models)],
        "projects": ["todo"], "phases": ["analyze"], "operation_concurrency": 1,
    }  # fmt: skip


def bench_farm_jobs(sim_url: str, redis_url: str, store_dir: Path, log_dir: Path, repeats: int, batch: int) -> dict[str, float]:
    """Farm overhead per phase job = dispatch + execution overhead.

    Dispatch (queued → started) comes from single-job rounds, one at a time, so no job waits
    behind another. Execution overhead (started → ended, minus the job's LLM calls' own latency)
    comes from a many-job round, as in production, where the worker already holds the round's
    manifest. Throughput: that round's jobs through one worker process.
    """
    store, ledger, app = open_store(str(store_dir)), Ledger.from_url(redis_url), make_celery(redis_url)
    env = {"FARM_REDIS_URL": redis_url, "FARM_STORE": str(store_dir)}
    worker = WorkerProcess(env, log_dir / "farm-worker.log", concurrency=1)
    dispatch, execution, calls_per_job = [], [], 0
    try:
        for i in range(repeats + 3):  # the first rounds warm the worker up
            round_id = f"one-{i}"
            submit(parse_round(_instant_round(round_id, 1), "bench"), store, ledger, app, sim_url)
            wait_until(lambda: ledger.round_info(round_id)["state"] == "complete", 60, round_id, 0.001)
            record = next(r for j, r in ledger.jobs(round_id).items() if j.phase == "analyze")
            if i >= 3:
                dispatch.append(record.started_at - record.queued_at)
        start = time.perf_counter()
        submit(parse_round(_instant_round("batch", batch), "bench"), store, ledger, app, sim_url)
        wait_until(lambda: ledger.round_info("batch")["state"] == "complete", 600, "batch round", 0.01)
        wall = time.perf_counter() - start
    finally:
        worker.stop()
    for job, record in ledger.jobs("batch").items():
        if job.phase != "analyze":
            continue
        phase = keys.RunKeys("batch", job.model, job.project).phase(job.phase)
        assert store.get_json(phase.result)["outcome"] == "succeeded"
        calls = [json.loads(line) for line in store.get_text(phase.calls).splitlines()]
        calls_per_job = len(calls)
        execution.append(record.ended_at - record.started_at - sum(c["latency_ms"] for c in calls) / 1000)
    return {
        "llm_calls_per_job": calls_per_job,
        "farm_overhead_per_job_ms": median_ms(dispatch) + median_ms(execution),
        "  of which dispatch_ms": median_ms(dispatch),
        "  of which execution_ms": median_ms(execution),
        "batch_jobs": batch,
        "jobs_per_s": batch / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=24)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name, RedisServer() as redis_server:
        tmp = Path(tmp_name)
        with simulator_process(zero_latency_scripts(tmp / "scripts")) as sim_url:
            harness = bench_harness(sim_url, redis_server.url, tmp / "store-h", args.calls)
            bare = bench_bare_celery(redis_server.url, tmp, repeats=200)
            farm = bench_farm_jobs(sim_url, redis_server.url, tmp / "store-f", tmp, args.repeats, args.jobs)
    per_job_harness = farm["llm_calls_per_job"] * harness["harness_overhead_ms"]
    report = {**harness, "bare_celery_round_trip_ms": bare, **farm,
              "  of which its calls' harness_ms": per_job_harness,
              "  fixed per job_ms": farm["farm_overhead_per_job_ms"] - per_job_harness,
              "farm_overhead_ratio": farm["farm_overhead_per_job_ms"] / bare}
    report["targets"] = {"harness_overhead_ms<=2": report["harness_overhead_ms"] <= 2,
                         "farm_overhead_ratio<=3": report["farm_overhead_ratio"] <= 3}
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "overhead.json").write_text(json.dumps(report, indent=2))
    for name, value in report.items():
        print(f"{name:32} {value:.3f}" if isinstance(value, float) else f"{name:32} {value}")


if __name__ == "__main__":
    main()
