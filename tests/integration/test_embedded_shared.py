"""A second terminal on the embedded default: every command on a store shares the one Redis of its
append-only file. The first starts it, the others use it, the last one out stops it."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import psutil
import pytest

from farm.redis_server import RedisBusy, SharedRedis
from tests.integration.embedded_cli import (
    completed,
    farm,
    flat,
    leftovers,
    number,
    redis_servers,
    start,
    submitted_round,
    wait_for_round,
)

pytestmark = pytest.mark.integration


def test_a_second_terminal_sees_and_cancels_the_running_demos_round(tmp_path: Path) -> None:
    store = tmp_path / "store"
    demo = start("demo", store=store)
    watching = None
    try:
        round_id = submitted_round(store)
        wait_for_round(store, round_id, done=0)
        (server,) = redis_servers(store)

        status = farm("round", "status", round_id, "--json", store=store)
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["state"] == "running"
        assert f"sharing the Redis of this store with another command (redis-server pid {server.pid}" in flat(status.stderr)

        watching = start("round", "status", round_id, "--watch", store=store)  # a third terminal
        cancel = farm("round", "cancel", round_id, store=store)
        assert cancel.returncode == 0, cancel.stderr
        cancelled = number(cancel.stdout, f"round {round_id}: ", " job(s) cancelled")
        assert cancelled > 0
        assert [p.pid for p in redis_servers(store)] == [server.pid]  # the commands came and went; one server

        out, err = demo.communicate(timeout=120)  # the demo sees its round end: its pending jobs were cancelled
        watched, _ = watching.communicate(timeout=60)
    finally:
        for process in (demo, watching):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert watching.returncode == 0 and "complete" in watched  # --watch returns once the round completes
    assert demo.returncode == 0, err
    assert "cancelled" in out
    assert (f"round {round_id}: {cancelled} job(s) ended infra_failed, budget_stopped or cancelled; "
            f"farm round resume {round_id} --store {store} runs them again") in flat(err)
    assert leftovers(store) == []  # the last command out stopped the Redis

    resumed = farm("round", "resume", round_id, store=store)
    assert resumed.returncode == 0, resumed.stderr
    assert completed(store, round_id)["counts"].get("cancelled") is None


def test_a_redis_that_does_not_answer_is_named_never_doubled(tmp_path: Path) -> None:
    first = SharedRedis(tmp_path / "redis").open()
    assert first.info is not None and first.started and not first.shared
    try:
        os.kill(first.info.pid, signal.SIGSTOP)  # hung
        try:
            pid, port = first.info.pid, first.info.port
            hung = rf"redis-server pid {pid} on 127\.0\.0\.1:{port}.* does not answer within 1s.*\(kill {pid}\)"
            with pytest.raises(RedisBusy, match=hung):
                SharedRedis(tmp_path / "redis", start_timeout=1).open()
        finally:
            os.kill(first.info.pid, signal.SIGCONT)
        second = SharedRedis(tmp_path / "redis").open()
        assert (second.info, second.started, second.shared) == (first.info, False, True)
        second.close()  # not the last user: the server stays
        assert psutil.Process(first.info.pid).is_running()
    finally:
        first.close()
    assert not psutil.pid_exists(first.info.pid) and not (tmp_path / "redis" / "server.json").exists()
