"""The sandbox against real untrusted programs (node and sh one-liners): each misbehaviour ends with
its outcome, the worker and the host stay unharmed, and nothing of the sandbox is left behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from farm.redis_server import free_port
from runtime.limits import Limits, MiB, census, of_uid
from runtime.sandbox import SANDBOX_UIDS, Outcome, Sandbox, namespaces_work

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ROOT = os.geteuid() == 0
root_only = pytest.mark.skipif(not ROOT, reason="the uid drop and namespaces need root (unprivileged: see below)")

SERVER = "require('http').createServer((q, r) => r.end('hello')).listen({port}, '{host}')"
GET = ("import sys, urllib.request; "
       "print(urllib.request.urlopen(f'http://127.0.0.1:{sys.argv[1]}/', timeout=5).read().decode())")


def running(uid: int) -> set[int]:
    """The live processes of `uid` (compare pids: after a sandbox closes, another may lease its uid)."""
    return {usage.pid for usage in of_uid(census(), uid) if not usage.zombie}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(Limits(log_bytes=64_000, tasks=64, memory_bytes=256 * MiB)) as opened:
        yield opened
        left = running(opened.uid) if ROOT else set()  # not root, its uid is the tests' own
    assert not running(opened.uid) & left, "a process of the sandbox outlived it"


def node(script: str) -> list[str]:
    return ["node", "-e", script]


def host_address() -> str:
    """This machine's own non-loopback IPv4 address (only ever this machine is a target)."""
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127."):
                return str(address.address)
    raise AssertionError("the tests need a non-loopback interface")


@root_only
def test_this_machine_makes_namespaces() -> None:
    assert namespaces_work(), "root with util-linux: the netns isolation is what CI must exercise"


def test_exit_code_and_output(sandbox: Sandbox) -> None:
    done = sandbox.run(node("console.log('built'); console.error('warned'); process.exit(3)"), timeout_s=30)
    assert (done.outcome, done.returncode, done.detail) == (Outcome.EXIT, 3, "exited with code 3")
    assert "built" in done.output and "warned" in done.output
    ok = sandbox.run(["sh", "-c", "echo fine"], timeout_s=30)
    assert ok.ok and ok.output == "fine\n" and ok.isolation == sandbox.isolation


def test_hang_ends_at_wall_timeout(sandbox: Sandbox) -> None:
    started = time.monotonic()
    done = sandbox.run(["sh", "-c", "sleep 60 & sleep 60"], timeout_s=1)
    assert done.outcome is Outcome.TIMEOUT and time.monotonic() - started < 5
    assert "1s of wall time" in done.detail


def test_real_crash_is_killed_by_signal(sandbox: Sandbox) -> None:
    done = sandbox.run(["/usr/bin/python3", "-c", "import ctypes; ctypes.string_at(0)"], timeout_s=30)
    assert done.outcome is Outcome.KILLED_BY_SIGNAL and done.returncode == -signal.SIGSEGV
    assert done.detail == "killed by SIGSEGV"


def test_log_flood_is_capped_and_stopped(sandbox: Sandbox) -> None:
    done = sandbox.run(node("for (;;) console.log('x'.repeat(1000))"), timeout_s=60)
    assert done.outcome is Outcome.LOG_FLOOD
    assert len(done.output.encode()) == 64_000 and done.output_dropped > 0
    assert done.duration_s < 10


def test_fork_bomb_is_bounded_and_the_host_unharmed(sandbox: Sandbox) -> None:
    bomb = ("const {spawn} = require('child_process'); setInterval(() => { for (let i = 0; i < 20; i++) "
            "spawn('sleep', ['60']).on('error', () => {}); }, 10)")
    done = sandbox.run(node(bomb), timeout_s=60)
    assert done.outcome is Outcome.FORK_LIMIT, done
    assert subprocess.run(["true"], check=False).returncode == 0  # the worker can still fork
    assert not running(sandbox.uid) or not ROOT


def test_shell_forking_without_end(sandbox: Sandbox) -> None:
    done = sandbox.run(["sh", "-c", "while :; do sleep 60 & done"], timeout_s=60)
    assert done.outcome is Outcome.FORK_LIMIT and done.duration_s < 10, done


def test_memory_of_one_process(sandbox: Sandbox) -> None:
    hog = "const kept = []; for (;;) kept.push(Buffer.alloc(16 * 1024 * 1024, 1))"
    done = sandbox.run(node(hog), timeout_s=60)
    assert done.outcome is Outcome.MEMORY_LIMIT, done


def test_memory_of_the_whole_sandbox(sandbox: Sandbox) -> None:
    """Four processes of 100 MiB each stay under the per-process RLIMIT_DATA; their sum does not."""
    child = "const kept = Buffer.alloc(100 * 1024 * 1024, 1); setInterval(() => kept[0]++, 1000)"
    parent = f"const {{spawn}} = require('child_process'); for (let i = 0; i < 4; i++) spawn('node', ['-e', {child!r}])"
    done = sandbox.run(node(parent + "; setInterval(() => {}, 1000)"), timeout_s=60)
    assert done.outcome is Outcome.MEMORY_LIMIT and "resident" in done.detail, done


def test_cpu_time_limit() -> None:
    with Sandbox(Limits(cpu_s=1)) as sandbox:
        done = sandbox.run(node("for (;;) {}"), timeout_s=60)
    assert done.outcome is Outcome.CPU_LIMIT and done.duration_s < 10, done


def test_kernel_limits_are_in_force(sandbox: Sandbox) -> None:
    limits = {line[:26].strip(): line[26:].split()[:2] for line in
              sandbox.run(["cat", "/proc/self/limits"], timeout_s=30).output.splitlines()[1:]}
    assert limits["Max data size"] == [str(256 * MiB)] * 2
    assert limits["Max processes"] == ["64", "64"] or not ROOT  # not root: on top of the worker's own tasks
    assert limits["Max open files"] == ["4096", "4096"] and limits["Max core file size"] == ["0", "0"]
    assert limits["Max file size"] == [str(256 * MiB)] * 2 and limits["Max cpu time"] == ["610", "610"]


def test_file_size_is_bounded() -> None:
    with Sandbox(Limits(file_bytes=1 * MiB)) as sandbox:
        done = sandbox.run(node("require('fs').writeFileSync('big', Buffer.alloc(4 * 1024 * 1024))"), timeout_s=30)
        assert (sandbox.path / "big").stat().st_size <= 1 * MiB
    if sandbox.isolation == "netns":  # a namespace's first process gets EFBIG, not the SIGXFSZ it has no handler for
        assert done.outcome is Outcome.EXIT and "EFBIG" in done.output
    else:
        assert done.outcome is Outcome.KILLED_BY_SIGNAL and done.detail == "killed by SIGXFSZ at the file size limit"


def test_environment_holds_no_worker_secret(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCHFARM_TEST_SECRET", "s3cret")
    done = sandbox.run(["sh", "-c", "env"], timeout_s=30, env={"PORT": "3000"})
    assert "s3cret" not in done.output and "PORT=3000" in done.output
    assert f"HOME={sandbox.path}" in done.output


@root_only
def test_runs_as_its_own_unprivileged_uid(sandbox: Sandbox) -> None:
    done = sandbox.run(["sh", "-c", "id -u; id -G; grep NoNewPrivs /proc/self/status"], timeout_s=30)
    uid, groups, nnp = done.output.splitlines()
    assert int(uid) == sandbox.uid and sandbox.uid in SANDBOX_UIDS and groups == str(sandbox.uid)
    assert nnp.split() == ["NoNewPrivs:", "1"]
    assert sandbox.path.stat().st_uid == sandbox.uid and sandbox.path.stat().st_mode & 0o777 == 0o700


@root_only
def test_two_sandboxes_have_two_uids() -> None:
    with Sandbox() as first, Sandbox() as second:
        assert first.uid != second.uid
        done = second.run(["sh", "-c", f"ls {first.path}"], timeout_s=30)
        assert done.outcome is Outcome.EXIT and "Permission denied" in done.output


@root_only
def test_cannot_write_outside_its_scratch(sandbox: Sandbox, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    write = "const fs = require('fs'); for (const p of process.argv.slice(1)) " \
            "{ try { fs.writeFileSync(p, 'x'); console.log('wrote', p) } catch (e) { console.log(e.code, p) } }"
    targets = [str(REPO / "sandbox-probe"), str(store / "probe"), str(sandbox.path / "ok")]
    done = sandbox.run(["node", "-e", write, *targets], timeout_s=30)
    assert done.output.splitlines() == [f"EACCES {targets[0]}", f"EACCES {targets[1]}", f"wrote {targets[2]}"]


@root_only
def test_files_left_in_shared_tmp_are_removed() -> None:
    leak = f"/tmp/benchfarm-sandbox-test-leak-{os.getpid()}"
    with Sandbox() as sandbox:
        done = sandbox.run(["sh", "-c", f"mkdir {leak} && touch {leak}/f /dev/shm/{Path(leak).name}"], timeout_s=30)
        assert done.ok and Path(leak, "f").exists()
    assert not Path(leak).exists() and not Path("/dev/shm", Path(leak).name).exists()


def test_scratch_removed_even_on_exception() -> None:
    with pytest.raises(RuntimeError, match="the verify failed"), Sandbox() as sandbox:
        scratch, uid = sandbox.path, sandbox.uid
        project = sandbox.copy_in(REPO / "runtime", "project")
        assert (project / "sandbox.py").stat().st_uid == uid
        server = sandbox.spawn(node(SERVER.format(port=3000, host="127.0.0.1")), port=3000, timeout_s=60)
        assert server.ready
        started = running(uid) if ROOT else set()
        raise RuntimeError("the verify failed")
    assert not scratch.exists()
    assert not running(uid) & started


def test_server_reachable_from_a_trusted_client_inside(sandbox: Sandbox) -> None:
    port = free_port()
    server = sandbox.spawn(node(SERVER.format(port=port, host="127.0.0.1")), port=port, timeout_s=60)
    assert server.ready
    answer = sandbox.run_inside([sys.executable, "-c", GET, str(port)], timeout_s=30)
    assert answer.returncode == 0 and answer.stdout.decode().strip() == "hello", answer.stderr
    done = server.stop()
    assert (done.outcome, done.detail) == (Outcome.OK, "stopped")


def test_graceful_stop_reaches_a_sigterm_handler(sandbox: Sandbox) -> None:
    script = SERVER.format(port=3000, host="127.0.0.1") + \
        "; process.on('SIGTERM', () => { console.log('closing'); process.exit(0) })"
    server = sandbox.spawn(node(script), port=3000, timeout_s=60)
    assert server.ready
    done = server.stop()
    assert done.outcome is Outcome.OK and done.output == "closing\n" and done.returncode == 0


def test_server_crashing_at_start(sandbox: Sandbox) -> None:
    server = sandbox.spawn(node("throw new Error('no DATABASE_URL')"), port=3000, timeout_s=60)
    assert not server.ready
    done = server.stop()
    assert done.outcome is Outcome.CRASHED_AT_START and "no DATABASE_URL" in done.output
    assert done.detail == "exited with code 1 before listening on port 3000"


def test_server_crashing_while_serving(sandbox: Sandbox) -> None:
    script = SERVER.format(port=3000, host="127.0.0.1") + "; setTimeout(() => process.exit(2), 500)"
    server = sandbox.spawn(node(script), port=3000, timeout_s=60)
    assert server.ready
    time.sleep(1.5)
    assert not server.ready
    done = server.stop()
    assert (done.outcome, done.returncode) == (Outcome.EXIT, 2)


def test_server_that_never_listens(sandbox: Sandbox) -> None:
    server = sandbox.spawn(node("setInterval(() => {}, 1000)"), port=3000, timeout_s=60, ready_timeout_s=1)
    assert not server.ready
    done = server.stop()
    assert done.outcome is Outcome.TIMEOUT and done.detail == "not listening on port 3000 after 1s"


def test_server_outliving_its_time(sandbox: Sandbox) -> None:
    server = sandbox.spawn(node(SERVER.format(port=3000, host="127.0.0.1")), port=3000, timeout_s=1.5)
    assert server.ready
    time.sleep(2.5)
    done = server.stop()
    assert done.outcome is Outcome.TIMEOUT


def test_server_listening_elsewhere(sandbox: Sandbox) -> None:
    script = SERVER.format(port=3000, host="127.0.0.1") + "; require('net').createServer().listen(4444)"
    server = sandbox.spawn(node(script), port=3000, timeout_s=60)
    done = server.stop()
    assert done.outcome is Outcome.LISTENS_ELSEWHERE, done
    assert done.detail == "listens on [::]:4444; told port 3000 on loopback"


@root_only
def test_no_way_out_of_the_namespace(sandbox: Sandbox) -> None:
    """A host server on all interfaces answers the host on its own address, but not the sandbox."""
    address = host_address()
    with socket.create_server(("0.0.0.0", 0)) as listener:
        port = listener.getsockname()[1]
        socket.create_connection((address, port), timeout=2).close()
        probe = "const s = require('net').connect(+process.argv[2], process.argv[1]); " \
                "s.on('connect', () => { console.log('connected'); process.exit(0) }); " \
                "s.on('error', e => { console.log(e.code); process.exit(1) })"
        started = time.monotonic()
        out = sandbox.run(["node", "-e", probe, address, str(port)], timeout_s=30)
        local = sandbox.run(["node", "-e", probe, "127.0.0.1", str(port)], timeout_s=30)
    assert sandbox.isolation == "netns"
    assert out.output.strip() == "ENETUNREACH" and time.monotonic() - started < 5
    assert local.output.strip() == "ECONNREFUSED"  # its 127.0.0.1 is its own


@root_only
def test_a_server_on_all_interfaces_is_unreachable_from_the_host(sandbox: Sandbox) -> None:
    port = free_port()
    server = sandbox.spawn(node(SERVER.format(port=port, host="0.0.0.0")), port=port, timeout_s=60)
    assert server.ready
    for address in ("127.0.0.1", host_address()):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address, port), timeout=2)
    assert sandbox.run_inside([sys.executable, "-c", GET, str(port)], timeout_s=30).returncode == 0
    assert server.stop().outcome is Outcome.OK


@root_only
def test_loopback_isolation_when_asked() -> None:
    """No namespace (as in a container without CAP_SYS_ADMIN): the uid drop and the limits remain."""
    port = free_port()
    with Sandbox(Limits(log_bytes=10_000), network_namespace=False) as sandbox:
        assert sandbox.isolation == "loopback" and sandbox.inside(["x"]) == ["x"]
        assert int(sandbox.run(["id", "-u"], timeout_s=30).output) == sandbox.uid
        assert sandbox.run(node("for (;;) console.log('x')"), timeout_s=30).outcome is Outcome.LOG_FLOOD
        server = sandbox.spawn(node(SERVER.format(port=port, host="127.0.0.1")), port=port, timeout_s=60)
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        done = server.stop()
        # One server at a time: the watchdog sees what the sandbox's uid listens on, all its commands'.
        wild = sandbox.spawn(node(SERVER.format(port=port + 1, host="0.0.0.0")), port=port, timeout_s=60)
        assert wild.stop().outcome is Outcome.LISTENS_ELSEWHERE
    assert done.outcome is Outcome.OK and done.isolation == "loopback"


@root_only
def test_a_killed_workers_sandbox_is_cleaned_by_the_next() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    worker = subprocess.Popen([sys.executable, str(HERE / "sandbox_orphan.py")], env=env, stdout=subprocess.PIPE)
    try:
        assert worker.stdout is not None
        left = json.loads(worker.stdout.readline())
        assert left["ready"]
    finally:
        worker.kill()
        worker.wait(timeout=10)
    time.sleep(0.5)
    survivors = running(left["uid"])
    assert survivors, "documented: a uid drop clears the parent-death signal, so the server outlives its worker"
    with Sandbox():
        pass
    assert not running(left["uid"]) & survivors
    assert not Path(left["scratch"]).exists()


@root_only
def test_as_an_unprivileged_worker() -> None:
    """The whole sandbox run by a non-root uid: loopback isolation, its own uid, the limits still work."""
    python = "/usr/bin/python3"  # the venv's interpreter lives under /root, out of an unprivileged uid's reach
    assert subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                          text=True, check=True).stdout.strip() == str(sys.version_info[:2])
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{REPO}:{sysconfig.get_paths()['purelib']}"}
    worker = min(SANDBOX_UIDS) - 1  # like a pod's uid: unprivileged, and running nothing else here
    assert not running(worker)
    try:
        run = subprocess.run([python, str(HERE / "sandbox_unprivileged.py")], user=worker, group=worker,
                             extra_groups=[], env=env, cwd="/", capture_output=True,
                             text=True, timeout=240, check=False)
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout)
        assert report["isolation"] == "loopback" and report["worker_uid"] == worker
        assert report["run"] == {"outcome": "ok", "uid": worker, "printed": str(worker)}
        assert (report["flood"], report["hang"], report["fork_bomb"]) == ("log_flood", "timeout", "fork_limit")
        assert report["server"] == {"ready": True, "answer": "hello", "outcome": "ok"}
        assert not Path(report["scratch"]).exists()  # removed, though it left a directory without permissions
    finally:
        subprocess.run(["rm", "-rf", f"/tmp/benchfarm-sandbox-{worker}"], check=False)
        assert not running(worker)


@root_only
@pytest.mark.parametrize("isolation", ["netns", "loopback"])
def test_a_root_worker_without_sys_ptrace_sees_its_server_listen(isolation: str) -> None:
    """A container's root has no CAP_SYS_PTRACE, so the sandbox's /proc/PID/fd (another uid's) is
    closed to it: the watchdog reads the namespace's or the uid's socket table instead."""
    if isolation == "netns" and not namespaces_work():
        pytest.skip("no network namespaces on this machine")
    run = subprocess.run(["setpriv", "--bounding-set=-sys_ptrace", "--", sys.executable,
                          str(HERE / "sandbox_no_ptrace.py"), isolation], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                         capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["isolation"] == isolation and report["sys_ptrace"] is False
    assert report["server"] == {"ready": True, "outcome": "ok"}
    assert report["stray"]["outcome"] == "listens_elsewhere" and "4444" in report["stray"]["detail"]
