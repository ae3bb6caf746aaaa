"""The small ones: a non-retryable fault's count of attempts, a preflight that rides out a transient
429/5xx, and `farm worker` processes that each have a node name of their own."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import farm.probe
from farm.exporter import MULTIPROC_ENV
from farm.outcomes import InfraFailed
from farm.preflight import preflight
from farm.probe import PROBE_RETRIES, probe
from farm.sim import SimAdmin, SimServer
from farm.spec import Endpoint, ModelSpec, Prices, RetryPolicy
from tests.integration.rounds import sim_round
from tests.servers import REPO, wait_until
from workers.harness.endpoint import make_client
from workers.harness.gate import LocalGate
from workers.harness.operation import AttemptRecord, OperationRunner
from workers.phases.analyze.ast import AnalyzePlan
from workers.phases.analyze.phase import check_plan
from workers.phases.base import Operation

pytestmark = pytest.mark.integration

PLAN_OP = Operation(
    op_id="plan", tool_name="analyze_plan", description="plan", ast=AnalyzePlan,
    system="You are an analyst.", user="Plan the todo app.", check=check_plan,
)  # fmt: skip


def _model(sim: SimServer, name: str) -> ModelSpec:
    return ModelSpec(id=name, endpoint=Endpoint(kind="simulator", base_url=sim.base_url), prices=Prices(input=1, output=2))


def test_a_non_retryable_fault_counts_its_one_call_not_the_operations(sim: SimServer, sim_admin: SimAdmin) -> None:
    """sim/learner's first two answers are wrong (two attempts), then the endpoint refuses the key."""
    model = _model(sim, "sim/learner")
    records: list[AttemptRecord] = []

    def record(attempt: AttemptRecord) -> None:
        records.append(attempt)
        if len(records) == 2:
            sim_admin.inject("invalid_key", model="sim/learner")

    runner = OperationRunner(client=make_client(model), model=model, policy=RetryPolicy(validation=3, compiler=3),
                             phase="analyze", gate=LocalGate({model.id: 1}), record=record, sleep=lambda s: None)
    with pytest.raises(InfraFailed) as failed:
        runner.run(PLAN_OP)
    assert [r.outcome for r in records][-1] == "transport:auth_error" and len(records) == 3
    assert "auth_error after 1 attempt(s), not retryable: Incorrect API key provided" in str(failed.value)


def test_the_probe_rides_out_a_transient_429_and_5xx(sim: SimServer, sim_admin: SimAdmin,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(farm.probe, "_sleep", sleeps.append)
    sim_admin.inject("rate_limit", model="sim/clean", retry_after=2)
    sim_admin.inject("unavailable", model="sim/clean")
    sim_admin.inject("bad_gateway", model="sim/clean")
    report = probe(_model(sim, "sim/clean"), phases=None)
    assert report.ok and report.error is None, report.error
    assert len(sleeps) == 3 and 2 <= sleeps[0] <= 2.5  # the 429's Retry-After, then backoff

    sleeps.clear()
    sim_admin.inject("rate_limit", model="sim/clean", count=PROBE_RETRIES + 1, retry_after=0)
    report = probe(_model(sim, "sim/clean"), phases=None)
    assert not report.ok and report.error is not None and report.error.startswith("rate_limited"), report.error
    assert len(sleeps) == PROBE_RETRIES  # a 429 that lasts still fails the probe, after a few tries
    assert sim_admin.stats()["by_behaviour"]["rate_limit"] == 1 + (PROBE_RETRIES + 1)


def test_preflight_passes_a_round_through_one_transient_429(sim: SimServer, sim_admin: SimAdmin, local_store,  # noqa: ANN001
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(farm.probe, "_sleep", lambda s: None)
    sim_admin.inject("rate_limit", model="sim/clean")
    sim_admin.inject("server_error", model="sim/learner")
    report = preflight(sim_round("pre", ["sim/clean", "sim/learner"], phases=["analyze"]), local_store, sim.base_url)
    assert report.problems == []
    assert sim_admin.stats()["faults_pending"] == 0


def test_farm_workers_on_one_host_have_node_names_of_their_own(redis_url: str, tmp_path: Path) -> None:
    """Two `farm worker` processes against one Redis: distinct node names, no mingle or gossip."""
    farm_command = str(Path(sys.executable).parent / "farm")
    processes: list[subprocess.Popen[bytes]] = []
    logs = [tmp_path / f"farm-worker-{i}.log" for i in range(2)]
    try:
        for index, log in enumerate(logs):
            metrics = tmp_path / f"metrics-{index}"
            metrics.mkdir()
            env = {**os.environ, "FARM_REDIS_URL": redis_url, "FARM_STORE": str(tmp_path / "store"),
                   MULTIPROC_ENV: str(metrics), "FARM_METRICS_PORT": "0", "FARM_METRICS_ADDR": "127.0.0.1"}
            with log.open("wb") as handle:
                processes.append(subprocess.Popen([farm_command, "worker", "--concurrency", "1"], env=env, cwd=REPO,
                                                  stdout=handle, stderr=subprocess.STDOUT, start_new_session=True))
        for log in logs:
            wait_until(lambda log=log: "ready." in log.read_text(errors="replace"), 90, f"{log.name} ready", 0.2)
        texts = [log.read_text(errors="replace") for log in logs]
        nodes = [found.group(1) if (found := re.search(r"(\S+@\S+) ready\.", text)) else None for text in texts]
        assert all(nodes), [text[-2000:] for text in texts]
        assert nodes[0] != nodes[1]
        assert [node.split("@")[0] for node in nodes if node] == [f"farm-{p.pid}" for p in processes]
        assert not any("searching for neighbors" in text for text in texts)  # mingle is off
    finally:
        for process in processes:
            _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=wait)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the prefork children, if any outlived their parent
    except ProcessLookupError:
        pass
