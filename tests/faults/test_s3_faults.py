"""The artifact store on an S3 that fails: moto's S3 server behind a proxy answering 500/503/SlowDown,
dropping connections and truncating bodies, 10% of requests each, seeded.

Reads and writes through the store succeed; a round through a real worker (its score job reads
the whole tree) completes with every job succeeded; a store that cannot give the manifest ends
the job infra_failed instead of crashing the task and leaving the job running.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import BotoCoreError

from farm import keys
from farm.ledger import Change, JobKey, Ledger
from farm.outcomes import JobState
from farm.queueing import make_celery
from farm.sim import SimServer
from farm.store import LocalStore, S3Store, StoreError, open_store
from tests.faults.s3proxy import FaultRates, FaultyS3Proxy
from tests.integration.rounds import sim_round, submit_round, wait_complete
from tests.servers import WorkerProcess
from workers.environment import WorkerEnv
from workers.jobs import run_phase_job
from workers.score_job import run_score_job

pytestmark = pytest.mark.integration

TEN_PERCENT_EACH = FaultRates(error=0.1, drop=0.1, truncate=0.1)


@pytest.fixture
def bucket(s3_endpoint: str, request: pytest.FixtureRequest) -> str:
    name = "faults-" + request.node.name.lower().replace("_", "-")[:40]
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def faulty_s3(s3_endpoint: str) -> Iterator[FaultyS3Proxy]:
    with FaultyS3Proxy(s3_endpoint, TEN_PERCENT_EACH, seed=20261207) as proxy:
        yield proxy


def test_the_proxy_really_cuts_bodies_and_botocore_alone_does_not_retry_that(s3_endpoint: str, bucket: str) -> None:
    """The fault is real: a cut body fails the read after botocore's retried call has returned."""
    boto3.client("s3", endpoint_url=s3_endpoint).put_object(Bucket=bucket, Key="k", Body=b"x" * 1000)
    with FaultyS3Proxy(s3_endpoint, FaultRates(truncate=1.0), seed=1) as proxy:
        client = boto3.client("s3", endpoint_url=proxy.url)
        with pytest.raises(BotoCoreError):
            client.get_object(Bucket=bucket, Key="k")["Body"].read()
        assert proxy.faults()["truncate"] == 1
        # The store retries the whole GET; when every answer is cut, it gives up with a StoreError.
        store = open_store(f"s3://{bucket}", proxy.url)
        assert isinstance(store, S3Store)
        store.READ_BACKOFF_S = 0.01
        with pytest.raises(StoreError, match="the answer was cut 6 times"):
            store.get_bytes("k")
        proxy.set_rates(FaultRates())
        assert store.get_bytes("k") == b"x" * 1000


def test_reads_and_writes_ride_out_ten_percent_of_each_fault(faulty_s3: FaultyS3Proxy, bucket: str, tmp_path: Path) -> None:
    store = open_store(f"s3://{bucket}/artifacts", faulty_s3.url)
    files = {f"src/m{i // 10}/f{i}.ts": f"export const x{i} = {i};\n" * (1 + i * 7) for i in range(80)}
    store.put_tree("tree/", files)
    documents = {f"docs/{i}.json": {"i": i, "text": "lorem ipsum " * (i * 20)} for i in range(40)}
    for key, value in documents.items():
        store.put_json(key, value)

    assert store.list("tree/") == sorted("tree/" + path for path in files)
    written = store.materialize("tree/", tmp_path / "tree")
    assert {p.relative_to(tmp_path / "tree").as_posix(): p.read_text() for p in written} == files
    assert store.get_many_json(list(documents)) == list(documents.values())
    assert all(store.get_json(key) == value for key, value in documents.items())
    assert all(store.exists(key) for key in documents) and not store.exists("docs/absent.json")
    assert store.get_json_or_none("docs/absent.json") is None

    faults = faulty_s3.faults()
    assert faults["error"] >= 10 and faults["drop"] >= 10 and faults["truncate"] >= 10, faulty_s3.counts
    assert faulty_s3.counts["truncate:GET"] >= 10, faulty_s3.counts


def test_a_round_completes_through_a_real_worker_on_a_faulty_s3(
    redis_url: str, ledger: Ledger, faulty_s3: FaultyS3Proxy, bucket: str, sim: SimServer,
    start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    """Four phases and the score jobs (each reads its run's whole tree), every store call through the
    faults: every job succeeds, none is infra_failed or left running."""
    store_url = f"s3://{bucket}/artifacts"
    store = open_store(store_url, faulty_s3.url)
    worker = start_worker(redis_url, store_url, concurrency=2, extra_env={"FARM_S3_ENDPOINT": faulty_s3.url})
    loaded = sim_round("s3faults", ["sim/clean", "sim/learner"], phases=["analyze", "database", "interface", "test"])
    submit_round(loaded, store, redis_url, sim.base_url)
    wait_complete(ledger, "s3faults", timeout=300)

    states = {(job.model, job.phase): (rec.state.value, rec.reason) for job, rec in ledger.jobs("s3faults").items()}
    assert {state for state, _ in states.values()} == {"succeeded"}, states
    assert len(states) == 2 * 5
    for model in ("sim/clean", "sim/learner"):
        run = keys.RunKeys("s3faults", model, "todo")
        assert store.get_json(run.score)["gate"]["passed"], model
        assert len(store.list(run.tree)) >= 50, model  # the score job read every one of them
    faults = faulty_s3.faults()
    assert faults["error"] >= 10 and faults["drop"] >= 10 and faults["truncate"] >= 10, faulty_s3.counts
    assert "was cut short" in worker.log.read_text(errors="replace")  # the store said what it retried


class _NoManifest(LocalStore):
    """A store whose manifest cannot be read (after the S3 backend's retries, say)."""

    def get_bytes(self, key: str) -> bytes:
        if key.endswith("manifest.json"):
            raise StoreError("s3://bucket/: get_object 'rounds/r/manifest.json': the answer was cut 6 times")
        return super().get_bytes(key)


@pytest.mark.parametrize("phase", ["analyze", "score"])
def test_an_unreadable_manifest_ends_the_job_infra_failed_never_running(redis_url: str, ledger: Ledger,
                                                                      tmp_path: Path, phase: str) -> None:
    run = ("sim/clean", "todo")
    ledger.register_round("r", [JobKey(*run, "analyze"), JobKey(*run, "database"), JobKey(*run, "score")], {})
    job = JobKey(*run, phase)
    ledger.apply("r", [Change(job, JobState.QUEUED, frozenset({JobState.PENDING}))])
    env = WorkerEnv(redis_url, str(tmp_path / "store"), None, make_celery(redis_url))
    env.__dict__["store"] = _NoManifest(tmp_path / "store")

    state = run_phase_job(env, "r", *run, "analyze") if phase == "analyze" else run_score_job(env, "r", *run)

    assert state is JobState.INFRA_FAILED
    record = ledger.job("r", job)
    assert record.state is JobState.INFRA_FAILED and "manifest" in record.reason, record
    assert not ledger.lease_held("r", job)
    if phase == "analyze":  # what follows is recorded even without the manifest: the run is skipped
        later = {j.phase: r.state for j, r in ledger.jobs("r").items() if j.phase != "analyze"}
        assert later == {"database": JobState.SKIPPED, "score": JobState.SKIPPED}
        assert ledger.round_info("r")["state"] == "complete"
