"""Running `farm` commands on the embedded default as a user does, from a test: real processes,
each in a session of its own (as a terminal runs it), and the embedded farm's Redis looked at from
outside. Every wait is bounded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import redis

from farm.ledger import Ledger
from tests.servers import REPO, wait_until

DEMO_ROUND = REPO / "farm" / "demo_round.yaml"
FINISHED = {"succeeded", "model_failed", "skipped"}  # how the demo's jobs end, run to completion


def env() -> dict[str, str]:
    """The user's environment without any FARM_ setting: the embedded default."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}


def farm(*args: str, store: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "farm", *args, "--store", str(store)], cwd=REPO, env=env(),
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def start(*args: str, store: Path) -> subprocess.Popen[str]:
    """A `farm` command as a terminal runs it: the leader of its own process group."""
    return subprocess.Popen(
        [sys.executable, "-m", "farm", *args, "--store", str(store)], cwd=REPO, env=env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def ctrl_c(process: subprocess.Popen[str], timeout: float = 60) -> tuple[str, str]:
    """What a terminal's Ctrl-C does: SIGINT to the whole foreground process group. Returns (stdout, stderr)."""
    os.killpg(process.pid, signal.SIGINT)
    return process.communicate(timeout=timeout)


def redis_dir(store: Path) -> Path:
    return store.resolve() / ".embedded" / "redis"


def redis_servers(store: Path) -> list[psutil.Process]:
    """The redis-server processes serving this store's append-only file (a server runs in its --dir)."""
    found = []
    for proc in psutil.process_iter(["name"]):
        try:
            if "redis" in (proc.info["name"] or "") and Path(proc.cwd()) == redis_dir(store):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def server_info(store: Path) -> dict:
    return json.loads((redis_dir(store) / "server.json").read_text())


def ledger(store: Path) -> Ledger:
    """The ledger of the store's running embedded farm, read from outside it."""
    return Ledger.from_url(f"redis://127.0.0.1:{server_info(store)['port']}/0", ride_out_s=2)


def wait_for_round(store: Path, round_id: str, done: int, timeout: float = 60) -> None:
    """Until the running farm's round has `done` jobs ended (0: until it exists)."""

    def reached() -> bool:
        try:
            jobs = ledger(store).jobs(round_id)
        except (OSError, ValueError, redis.RedisError):  # the farm is still starting
            return False
        return bool(jobs) and sum(record.state.terminal for record in jobs.values()) >= done

    wait_until(reached, timeout, f"round {round_id} with {done} job(s) ended", interval=0.2)


def leftovers(store: Path) -> list[str]:
    """Processes of this store's embedded farm still running: its Redis, workers or farm commands."""
    found = [f"{proc.pid}: redis-server" for proc in redis_servers(store)]
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            environ = proc.info["environ"] or {}
        except (psutil.Error, TypeError):
            continue
        if str(store) in cmd or environ.get("FARM_STORE") == str(store.resolve()):
            found.append(f"{proc.pid}: {cmd}")
    return found


def demo_round_file(path: Path, round_id: str, **overrides: object) -> Path:
    """The demo round under another id (and other settings): a round file as a user writes one."""
    import yaml

    data = yaml.safe_load(DEMO_ROUND.read_text())
    data.update(round=round_id, **overrides)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def flat(text: str) -> str:
    """Output without the console's line wrapping."""
    return " ".join(text.split())


def number(text: str, before: str, after: str) -> int:
    """The number between `before` and `after` in the output; 0 when it says nothing of it."""
    text = flat(text)
    return int(text.split(before, 1)[1].split(after, 1)[0]) if before in text and after in text else 0


def submitted_round(store: Path, timeout: float = 60) -> str:
    """The id of the round a running command submitted (the demo names its own)."""
    rounds = store / "rounds"
    wait_until(lambda: any((r / "manifest.json").exists() for r in rounds.glob("*")), timeout, "a manifest")
    (found,) = [r.name for r in rounds.glob("*") if (r / "manifest.json").exists()]
    return found


def completed(store: Path, round_id: str) -> dict:
    """`farm round status --json` of a round that must have run to completion (nothing left to resume)."""
    status = farm("round", "status", round_id, "--json", store=store)
    assert status.returncode == 0, status.stderr
    snap = json.loads(status.stdout)
    assert snap["state"] == "complete" and set(snap["counts"]) <= FINISHED, snap["counts"]
    return snap
