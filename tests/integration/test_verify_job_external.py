"""The verify job on an external PostgreSQL (FARM_POSTGRES_URL), through a real Celery worker: an
admin role that cannot create roles fails the verify as the farm's fault with a clear reason; once
granted, the resumed verify boots the demo's clean todo backend there and plays its Golden Set, and
leaves no role or database behind. The admin password shows nowhere: ledger, runtime.json, log."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from farm import keys
from farm.ledger import VERIFY, Ledger
from farm.outcomes import JobState
from farm.postgres_external import URL_ENV, AdminUrl
from farm.postgres_server import PostgresServer
from farm.queueing import make_celery
from farm.scheduler import resume
from farm.sim import SimServer
from farm.store import Store
from tests.external_postgres import ADMIN, external_url, leftovers
from tests.integration.rounds import sim_round, submit_round, wait_complete
from tests.integration.test_verify_job import CLEAN, _states
from tests.servers import WorkerProcess

pytestmark = pytest.mark.integration


@pytest.mark.timeout(600)
def test_a_worker_verifies_on_an_external_postgres_and_leaves_nothing_there(
    redis_url: str, ledger: Ledger, local_store: Store, sim: SimServer,
    start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    with PostgresServer() as external:
        url = external_url(external, privileges="CREATEDB")  # CREATEROLE is missing, at first
        password = AdminUrl.parse(url).password
        worker = start_worker(redis_url, local_store.url, extra_env={URL_ENV: url})
        submit_round(sim_round("ext", [CLEAN]), local_store, redis_url, sim.base_url)
        wait_complete(ledger, "ext", timeout=240)

        state, reason = _states(ledger, "ext", CLEAN)[VERIFY]
        assert state is JobState.INFRA_FAILED, reason
        assert f"{URL_ENV} (postgresql://{ADMIN}:***@127.0.0.1:{external.port}/{ADMIN})" in reason
        assert "lacks CREATEROLE" in reason and password not in reason

        external.admin(f"ALTER ROLE {ADMIN} CREATEROLE")
        assert resume("ext", local_store, ledger, make_celery(redis_url)) == 1
        wait_complete(ledger, "ext", timeout=240)

        state, reason = _states(ledger, "ext", CLEAN)[VERIFY]
        assert state is JobState.SUCCEEDED and reason.startswith("golden "), reason
        runtime_text = local_store.get_text(keys.RunKeys("ext", CLEAN, "todo").runtime)
        runtime = json.loads(runtime_text)
        assert runtime["boots"] and runtime["fault"] is None and runtime["isolation"] == "netns"
        assert 0 < runtime["golden"]["passed"] <= runtime["golden"]["total"]
        assert password not in runtime_text
        assert leftovers(external) == []
        worker.stop()

    log = worker.log.read_text(errors="replace")
    assert f"PostgreSQL for verifies: external postgresql://{ADMIN}:***@127.0.0.1:{external.port}/{ADMIN}" in log
    assert password not in log
