"""bench/overhead: the harness's own cost per LLM call, and the farm's per phase job.

Both are measured against a baseline in the same run, on this machine, medians over repeats:
  1. harness overhead per call = harness call − bare `openai` call, same request, simulator at
     zero latency (target ≤ 2 ms median);
  2. farm overhead per phase job = job wall time (queued → ended) − its LLM calls' own latency,
     against a bare Celery task round trip (target ≤ 3 × bare).
Run: .venv/bin/python bench/overhead/run.py [--calls 300] [--repeats 30] [--jobs 24]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from farm import keys  # noqa: E402
from farm.ledger import Ledger  # noqa: E402
from farm.queueing import make_celery  # noqa: E402
from farm.redis_server import RedisServer  # noqa: E402
from farm.roundfile import parse_round  # noqa: E402
from farm.scheduler import submit  # noqa: E402
from farm.sim import SimServer  # noqa: E402
from farm.sim.fixtures import DEFAULT_SCRIPTS_DIR  # noqa: E402
from farm.spec import Endpoint, ModelSpec, Prices, RetryPolicy  # noqa: E402
from farm.store import open_store  # noqa: E402
from tests.servers import WorkerProcess, wait_until  # noqa: E402
from workers.context import AttemptLog  # noqa: E402
from workers.harness.endpoint import make_client, request_options  # noqa: E402
from workers.harness.gate import LocalGate  # noqa: E402
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


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_harness(sim_url: str, redis_url: str, store_dir: Path, calls: int) -> dict[str, float]:
    model = ModelSpec(id="sim/instant", endpoint=Endpoint(kind="simulator", base_url=sim_url), prices=Prices(input=1, output=2))
    op = Operation(op_id="plan", tool_name="analyze_plan", description="plan", ast=AnalyzePlan,
                   system="You are an analyst.", user="Plan the todo app.", check=check_plan)
    client = make_client(model)
    store, ledger = open_store(str(store_dir)), Ledger.from_url(redis_url)
    log = AttemptLog(store, ledger, "bench", model.id, keys.RunKeys("bench", model.id, "todo").phase("analyze"), "d")
    runner = OperationRunner(client=client, model=model, policy=RetryPolicy(), phase="analyze",
                             gate=LocalGate({model.id: 1}), record=log)
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
    """Per job: one single-job round at a time, so no job waits behind another in the queue.

    overhead = (queued → ended, from the ledger) − the job's LLM calls' own latency. Throughput:
    a batch of jobs through one worker process.
    """
    store, ledger, app = open_store(str(store_dir)), Ledger.from_url(redis_url), make_celery(redis_url)
    env = {"FARM_REDIS_URL": redis_url, "FARM_STORE": str(store_dir)}
    worker = WorkerProcess(env, log_dir / "farm-worker.log", concurrency=1)
    overheads, dispatch, execution, calls_per_job = [], [], [], 0
    try:
        for i in range(repeats + 3):  # the first rounds warm the worker up
            round_id = f"one-{i}"
            submit(parse_round(_instant_round(round_id, 1), "bench"), store, ledger, app, sim_url)
            wait_until(lambda: ledger.round_info(round_id)["state"] == "complete", 60, round_id, 0.001)
            ((job, record),) = ledger.jobs(round_id).items()
            phase = keys.RunKeys(round_id, job.model, job.project).phase(job.phase)
            assert store.get_json(phase.result)["outcome"] == "succeeded"
            calls = [json.loads(line) for line in store.get_text(phase.calls).splitlines()]
            calls_per_job = len(calls)
            if i >= 3:
                llm_s = sum(c["latency_ms"] for c in calls) / 1000
                overheads.append(record.ended_at - record.queued_at - llm_s)
                dispatch.append(record.started_at - record.queued_at)
                execution.append(record.ended_at - record.started_at - llm_s)
        start = time.perf_counter()
        submit(parse_round(_instant_round("batch", batch), "bench"), store, ledger, app, sim_url)
        wait_until(lambda: ledger.round_info("batch")["state"] == "complete", 600, "batch round", 0.01)
        wall = time.perf_counter() - start
    finally:
        worker.stop()
    return {"llm_calls_per_job": calls_per_job, "farm_overhead_per_job_ms": median_ms(overheads),
            "  of which dispatch_ms": median_ms(dispatch), "  of which execution_ms": median_ms(execution),
            "batch_jobs": batch, "jobs_per_s": batch / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=24)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name, RedisServer() as redis_server:
        tmp = Path(tmp_name)
        with SimServer(zero_latency_scripts(tmp / "scripts")) as sim:
            harness = bench_harness(sim.base_url, redis_server.url, tmp / "store-h", args.calls)
            bare = bench_bare_celery(redis_server.url, tmp, repeats=200)
            farm = bench_farm_jobs(sim.base_url, redis_server.url, tmp / "store-f", tmp, args.repeats, args.jobs)
    report = {**harness, "bare_celery_round_trip_ms": bare, **farm,
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
