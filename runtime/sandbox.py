"""Run untrusted commands (a generated backend's build, server and tests) contained.

A `Sandbox` owns a scratch directory, removed when it closes whatever happened, and runs every
command through a chain of util-linux tools, each doing one thing and exec'ing the next:

    setpriv --pdeathsig KILL --no-new-privs   dies with the thread that started it (start commands
                                              from one that outlives them); no setuid gains
    prlimit --data --nproc --cpu --nofile --fsize --core   the kernel's backstops (runtime.limits)
    nsenter --net=<the sandbox's namespace>   only `lo`: nothing outside reaches in or out
    unshare --pid --fork --kill-child --mount-proc --ipc --uts   a pid namespace: one kill ends all
    setpriv --reuid --regid --clear-groups    a uid of its own, leased for the sandbox's life

The namespace steps need root (the uid drop too); as root where namespaces cannot be made (a
container without CAP_SYS_ADMIN) the chain keeps the uid drop and isolation is "loopback": nothing
enforces it. A server on its own port at the wildcard address (NestJS's default) is then reachable
from the host's network; `spawn` reports any other port or address. Not root (a Kubernetes pod),
commands run as the worker's own uid, with the limits, and "loopback" isolation.

Each uid comes from SANDBOX_UIDS, leased with a lock file, and has no passwd entry, so it owns
nothing but what the sandbox made: stopping it kills every process of that uid (kill -1 as that
uid) and deletes its files in the shared writable directories. A worker killed outright leaves
its lease free; the next sandbox that leases a uid does that cleanup for every free one. One
limit: a uid drop clears the parent-death signal, so until then a killed worker's commands live on.

A watchdog reads /proc a few times a second and stops a command that runs out of wall time, CPU,
memory or tasks, floods its output, or (a server) listens on another port or address: each ends
with a typed `Outcome` and a one-line detail, never an exception. It needs no capability beyond
the uid drop's: /proc/PID/stat and status are world-readable, and what listens is read from the
namespace's (or the uid's) socket table, not from the sandbox's file descriptors.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

from runtime.limits import Limits, ProcessUsage, census, of_uid, totals, tree
from runtime.netns import NetworkNamespace, listening, listening_in_namespace, listening_of_uid

SANDBOX_UIDS = range(59000, 59256)  # above Debian's adduser range in practice, below Debian's 60000-64999
SHARED_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")  # where a uid can write outside its scratch
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
TICK_S = 0.2  # the watchdog's period
STOP_GRACE_S = 3.0  # SIGTERM, then this long before SIGKILL
DRAIN_S = 1.0  # output still read after a command ended (from what it left running)
LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1", "0.0.0.0", "::"})  # the wildcards: see `spawn`
_TAIL = 64 * 1024  # the end of the output where the crash markers below are looked for
_MEMORY_MARKERS = ("JavaScript heap out of memory", "Fatal process out of memory", "Fatal process OOM",
                   "Array buffer allocation failed", "MemoryError", "std::bad_alloc", "Cannot allocate memory")
_FORK_MARKERS = ("Cannot fork", "Resource temporarily unavailable", " EAGAIN")

Isolation = Literal["netns", "loopback"]


class Outcome(StrEnum):
    OK = "ok"  # exited 0 (run), or was stopped by `stop` while serving (spawn)
    EXIT = "exit"  # exited non-zero; a server that exited by itself after it was listening
    KILLED_BY_SIGNAL = "killed_by_signal"
    TIMEOUT = "timeout"  # wall time; or a server not listening on its port in time
    CPU_LIMIT = "cpu_limit"
    MEMORY_LIMIT = "memory_limit"
    FORK_LIMIT = "fork_limit"
    LOG_FLOOD = "log_flood"
    LISTENS_ELSEWHERE = "listens_elsewhere"
    CRASHED_AT_START = "crashed_at_start"  # a server that ended before it listened on its port


@dataclass(frozen=True)
class Completed:
    """How one command ended: the outcome, a one-line why, and its output (capped)."""

    outcome: Outcome
    detail: str
    returncode: int | None  # the exit code, or -N for signal N
    output: str  # stdout and stderr interleaved, the first `log_bytes`
    output_dropped: int  # bytes past the cap, thrown away
    duration_s: float
    isolation: Isolation
    uid: int  # the uid it ran as

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


class Sandbox:
    """A scratch directory, a uid and a network namespace for one generated backend; a context manager."""

    def __init__(self, limits: Limits | None = None, network_namespace: bool | None = None) -> None:
        """`network_namespace`: None for one where this machine allows it, False never, True or fail."""
        self.limits = limits or Limits()
        self._want_netns = network_namespace
        self._root = os.geteuid() == 0
        self.uid, self.gid = os.getuid(), os.getgid()
        self.isolation: Isolation = "loopback"
        self._lease: IO[str] | None = None
        self._netns: NetworkNamespace | None = None
        self._scratch: Path | None = None
        self._commands: list[_Command] = []
        self._writable: tuple[str, ...] = SHARED_WRITABLE  # where the uid's files may be: swept at the end

    @property
    def path(self) -> Path:
        """The scratch directory, owned by the sandbox's uid; also its HOME and TMPDIR."""
        assert self._scratch is not None, "not open"
        return self._scratch

    @property
    def owns_uid(self) -> bool:
        """Whether its uid is its own (leased, as root): then all processes of that uid are the sandbox's."""
        return self._lease is not None

    def open(self) -> Sandbox:
        try:
            base = _private_dir(Path(tempfile.gettempdir()) / f"benchfarm-sandbox-{os.geteuid()}", 0o711)
            self._writable = (*SHARED_WRITABLE, str(base))
            if self._root:
                self._lease, self.uid = _lease_uid(_private_dir(base / "locks", 0o700), self._writable)
                self.gid = self.uid
            self._scratch = Path(tempfile.mkdtemp(dir=base))
            os.chown(self._scratch, self.uid, self.gid)
            if self._want_netns or (self._want_netns is None and self._root and namespaces_work()):
                self._netns = NetworkNamespace().start()
                self.isolation = "netns"
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop every command, kill every process of the uid, remove the scratch directory and the uid's files."""
        try:
            for command in self._commands:
                command.stop(grace_s=0)
            if self.owns_uid:
                _kill_uid(self.uid)
        finally:
            self._commands = []
            if self._netns is not None:
                self._netns.close()
                self._netns = None
            if self._scratch is not None:
                _remove_tree(self._scratch)
                self._scratch = None
            if self._lease is not None:
                _remove_files_of(self.uid, self._writable)
                self._lease.close()
                self._lease = None

    def copy_in(self, source: Path, name: str, ignore: Sequence[str] = ()) -> Path:
        """Copy a directory tree into the scratch directory, owned by the sandbox's uid (symlinks kept),
        leaving out the entries named in `ignore` (a tree's node_modules, its build output)."""
        destination = self.path / name
        shutil.copytree(source, destination, symlinks=True, ignore=shutil.ignore_patterns(*ignore) if ignore else None)
        if self._root:
            for directory, dirnames, filenames in os.walk(destination):
                os.lchown(directory, self.uid, self.gid)
                for entry in dirnames + filenames:
                    os.lchown(os.path.join(directory, entry), self.uid, self.gid)
        return destination

    def run(self, argv: Sequence[str], *, timeout_s: float, cwd: Path | None = None,
            env: Mapping[str, str] | None = None) -> Completed:
        """Run a command to its end (a build step, a test run), within `timeout_s` of wall time."""
        command = self._launch(argv, cwd, env, timeout_s, port=None)
        try:
            while command.check():
                time.sleep(TICK_S)
        finally:
            command.stop(grace_s=0)
        return command.result()

    def spawn(self, argv: Sequence[str], *, port: int, timeout_s: float, ready_timeout_s: float = 60.0,
              cwd: Path | None = None, env: Mapping[str, str] | None = None) -> SandboxedProcess:
        """Start a server told to listen on `port`; return once it does, ends, or `ready_timeout_s` passes.

        It may listen on `port` at a loopback or wildcard address (NestJS's `listen(port)` binds
        `::`): in a namespace only `lo` exists. Any other listening socket stops it. `timeout_s`
        bounds its whole life, in case nobody stops it.
        """
        command = self._launch(argv, cwd, env, timeout_s, port=port)
        process = SandboxedProcess(command)
        process.wait_ready(ready_timeout_s)
        return process

    def inside(self, argv: Sequence[str]) -> list[str]:
        """A trusted command's argv that runs it (as the caller's user) in the sandbox's network."""
        return [*(self._netns.enter() if self._netns else []), *argv]

    def run_inside(self, argv: Sequence[str], *, timeout_s: float, cwd: Path | None = None,
                   env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run a trusted client (the scenario runner) where it reaches the sandbox's servers on 127.0.0.1."""
        return subprocess.run(self.inside(argv), cwd=cwd, env=env, capture_output=True, timeout=timeout_s,
                              stdin=subprocess.DEVNULL, check=False)

    def listening(self, members: Sequence[ProcessUsage]) -> set[tuple[str, int]]:
        """Where the sandbox listens (address, port), read without CAP_SYS_PTRACE: in its namespace,
        every socket there; with a uid of its own, every socket of that uid; else those of `members`
        (processes of the worker's own uid). The first two count every command of the sandbox, so a
        server is also answerable for its tests listening elsewhere while it runs: both are the model's."""
        if self._netns is not None:
            return listening_in_namespace(self._netns.pid)
        if self.owns_uid:
            return listening_of_uid(self.uid)
        return listening(member.pid for member in members)

    def _launch(self, argv: Sequence[str], cwd: Path | None, env: Mapping[str, str] | None,
                timeout_s: float, port: int | None) -> _Command:
        assert self._scratch is not None, "not open"
        nproc = self.limits.tasks
        if not self._root:  # RLIMIT_NPROC counts the worker's own tasks too: the budget comes on top
            nproc += totals(of_uid(census(), self.uid))[1]
        chain = [_tool("setpriv"), "--pdeathsig", "KILL", "--no-new-privs", "--",
                 _tool("prlimit"), *self.limits.prlimit(nproc), "--"]
        if self._netns is not None:
            chain += [*self._netns.enter(), _tool("unshare"), "--pid", "--fork", "--kill-child", "--mount-proc",
                      "--ipc", "--uts", "--"]
        if self._root:
            chain += [_tool("setpriv"), f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups", "--"]
        # Never the worker's environment: it holds the farm's keys.
        environment = {"PATH": SAFE_PATH, "HOME": str(self._scratch), "TMPDIR": str(self._scratch),
                       "LANG": "C.UTF-8", **(env or {})}
        popen = subprocess.Popen([*chain, *argv], cwd=cwd or self._scratch, env=environment,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        command = _Command(self, popen, nproc, timeout_s, port)
        self._commands.append(command)
        return command

    def __enter__(self) -> Sandbox:
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class SandboxedProcess:
    """A server running in a sandbox; `stop` ends it and says how it went."""

    def __init__(self, command: _Command) -> None:
        self._command = command
        self._ready = threading.Event()
        self._ended = threading.Event()
        self._stopping = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name=f"sandbox-watchdog-{command.pid}", daemon=True)
        self._watchdog.start()

    @property
    def ready(self) -> bool:
        """It has listened on its port, and has not ended since."""
        return self._ready.is_set() and not self._ended.is_set()

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait until it listens on its port (True), ends, or `timeout_s` passes (then it is stopped)."""
        deadline = time.monotonic() + timeout_s
        while not self._ready.is_set() and not self._ended.is_set():
            if time.monotonic() > deadline:
                self._command.give_up(Outcome.TIMEOUT, f"not listening on port {self._command.port} "
                                                       f"after {timeout_s:g}s")
                self._ended.wait(STOP_GRACE_S + 10)
                break
            self._ready.wait(TICK_S)
        return self.ready

    def stop(self) -> Completed:
        """SIGTERM, then SIGKILL after a grace period, to all its processes; the outcome."""
        self._stopping.set()
        self._watchdog.join(STOP_GRACE_S + 15)
        return self._command.result()

    def _watch(self) -> None:
        command = self._command
        try:
            while not self._stopping.is_set() and command.check():
                if command.ready:
                    self._ready.set()
                time.sleep(TICK_S)
            command.stop(grace_s=STOP_GRACE_S)
        finally:
            self._ended.set()


class _Command:
    """One launched command: its output pump, its watchdog checks, and how it ended."""

    def __init__(self, sandbox: Sandbox, popen: subprocess.Popen[bytes], nproc: int, timeout_s: float,
                 port: int | None) -> None:
        assert popen.stdout is not None
        self._sandbox, self._popen, self._timeout_s, self.port = sandbox, popen, timeout_s, port
        self._nproc = nproc  # the RLIMIT_NPROC it runs under
        self.pid = popen.pid
        self._started = time.monotonic()
        self._ended_at: float | None = None
        self._pump = _OutputPump(popen.stdout, sandbox.limits.log_bytes)
        self._verdict: tuple[Outcome, str] | None = None
        self._stop_lock = threading.Lock()
        self.ready = False
        self._ever_ready = False

    def check(self) -> bool:
        """One look at the command: False once it has ended, or has been stopped for a reason."""
        if self._verdict is not None or self._popen.poll() is not None:
            return False
        limits, processes = self._sandbox.limits, census()
        members = tree(processes, self.pid)
        of_sandbox = of_uid(processes, self._sandbox.uid)
        # Memory is the sandbox's when it has a uid of its own, else the command's; CPU the command's;
        # tasks are counted as RLIMIT_NPROC counts them, per uid.
        rss = totals(of_sandbox if self._sandbox.owns_uid else members)[0]
        tasks, cpu = totals(of_sandbox)[1], totals(members)[2]
        elapsed = time.monotonic() - self._started
        if elapsed > self._timeout_s:
            return self.give_up(Outcome.TIMEOUT, f"still running after {self._timeout_s:g}s of wall time")
        if self._pump.dropped:
            return self.give_up(Outcome.LOG_FLOOD, f"wrote over {limits.log_bytes} bytes of output")
        if rss > limits.memory_bytes:
            return self.give_up(Outcome.MEMORY_LIMIT, f"{rss >> 20} MiB resident, over the "
                                                      f"{limits.memory_bytes >> 20} MiB limit")
        if tasks >= self._nproc:
            return self.give_up(Outcome.FORK_LIMIT, f"{limits.tasks} processes and threads, the limit")
        if cpu > limits.cpu_s:
            return self.give_up(Outcome.CPU_LIMIT, f"{cpu:.0f}s of CPU time, over the {limits.cpu_s}s limit")
        if self.port is not None:
            sockets = self._sandbox.listening(members)
            strays = sorted(_endpoint(address, port) for address, port in sockets
                            if port != self.port or address not in LOOPBACK)
            if strays:
                return self.give_up(Outcome.LISTENS_ELSEWHERE, f"listens on {', '.join(strays)}; "
                                                               f"told port {self.port} on loopback")
            self.ready = any(port == self.port for _, port in sockets)
            self._ever_ready = self._ever_ready or self.ready
        return True

    def give_up(self, outcome: Outcome, detail: str) -> bool:
        """Stop the command now, for this reason (the first reason given wins); False, for `check`."""
        if self._verdict is None and self._popen.poll() is None:
            self._verdict = (outcome, detail)
            self.stop(grace_s=0)
        return False

    def stop(self, grace_s: float) -> None:
        """End every process of the command (a command that ended by itself may have left some)."""
        with self._stop_lock:
            if self._ended_at is not None:
                return
            if self._popen.poll() is None and self._verdict is None:
                self._verdict = (Outcome.OK, "stopped")
            if grace_s and self._popen.poll() is None:
                self._signal(signal.SIGTERM)
                deadline = time.monotonic() + grace_s
                while self._popen.poll() is None and time.monotonic() < deadline and not self._deaf_to_sigterm():
                    time.sleep(0.05)
            killed = self._signal(signal.SIGKILL)
            try:
                self._popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._popen.kill()
                self._popen.wait(timeout=10)
            _wait_gone(killed, timeout_s=10)
            self._ended_at = time.monotonic()
            self._pump.finish(DRAIN_S)

    def _deaf_to_sigterm(self) -> bool:
        """Whether all that is left is a namespace's first process that has no SIGTERM handler: the
        kernel does not deliver it such a signal, so waiting for it to stop is waiting for nothing."""
        left = [member for member in tree(census(), self.pid) if member.pid != self.pid and not member.zombie]
        if self._sandbox.isolation != "netns" or len(left) != 1:
            return False
        try:
            status = Path(f"/proc/{left[0].pid}/status").read_text()
        except OSError:
            return False
        caught = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:"))
        return not caught & (1 << (signal.SIGTERM - 1))

    def _signal(self, signum: int) -> set[int]:
        """Signal the command's processes: in a pid namespace, killing its first process ends them all;
        else its process group (it started a session of its own) and the descendants it still has.
        The pids signalled."""
        members = [member.pid for member in tree(census(), self.pid)]
        if self._sandbox.isolation == "netns" and signum == signal.SIGTERM:
            members.remove(self.pid)  # unshare(1) itself: it would SIGKILL the namespace at once
        elif self._sandbox.isolation != "netns":
            with suppress(OSError):
                os.killpg(self.pid, signum)
        for pid in members:
            with suppress(OSError):
                os.kill(pid, signum)
        return set(members)

    def result(self) -> Completed:
        assert self._ended_at is not None, "still running"
        returncode = self._popen.returncode
        outcome, detail = self._verdict or _classify(returncode, self._pump.text()[-_TAIL:], self._sandbox.limits)
        if self.port is not None and not self._ever_ready and self._verdict is None:
            outcome, detail = Outcome.CRASHED_AT_START, f"{detail} before listening on port {self.port}"
        elif self.port is not None and outcome is Outcome.OK and self._verdict is None:
            outcome, detail = Outcome.EXIT, "exited with code 0 while serving"
        return Completed(outcome=outcome, detail=detail, returncode=returncode, output=self._pump.text(),
                         output_dropped=self._pump.dropped, duration_s=self._ended_at - self._started,
                         isolation=self._sandbox.isolation, uid=self._sandbox.uid)


def _wait_gone(pids: set[int], timeout_s: float) -> None:
    """Until these processes have exited (a namespace's processes die a moment after its first one)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        processes = census()
        if not [pid for pid in pids if pid in processes and not processes[pid].zombie]:
            return
        time.sleep(0.02)


def _endpoint(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _classify(returncode: int, tail: str, limits: Limits) -> tuple[Outcome, str]:
    """How a command that ended by itself went. A limit the kernel enforced shows only as a crash
    whose last words say so; those words are looked for, only when it failed."""
    if returncode == 0:
        return Outcome.OK, "exited with code 0"
    if returncode == -signal.SIGXCPU:
        return Outcome.CPU_LIMIT, f"killed by SIGXCPU at the CPU time limit ({limits.cpu_s}s)"
    if any(marker in tail for marker in _MEMORY_MARKERS):
        return Outcome.MEMORY_LIMIT, f"ran out of memory (limit {limits.memory_bytes >> 20} MiB per process)"
    if any(marker in tail for marker in _FORK_MARKERS):
        return Outcome.FORK_LIMIT, f"could not start a process or thread (limit {limits.tasks})"
    if returncode < 0:
        name = signal.Signals(-returncode).name
        why = " at the file size limit" if returncode == -signal.SIGXFSZ else ""
        return Outcome.KILLED_BY_SIGNAL, f"killed by {name}{why}"
    return Outcome.EXIT, f"exited with code {returncode}"


class _OutputPump:
    """Reads a command's output as it comes, keeps the first `limit` bytes and counts the rest."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream, self._limit = stream, limit
        self._kept = bytearray()
        self.dropped = 0
        self._finishing = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="sandbox-output", daemon=True)
        self._thread.start()

    def text(self) -> str:
        return self._kept.decode(errors="replace")

    def finish(self, drain_s: float) -> None:
        """Read what is left for up to `drain_s` (a process outside our reach may hold the pipe), then close."""
        self._finishing.set()
        self._thread.join(drain_s + 1)
        self._stream.close()

    def _pump(self) -> None:
        fd = self._stream.fileno()
        deadline: float | None = None
        while True:
            if self._finishing.is_set():
                deadline = deadline or time.monotonic() + DRAIN_S
                if time.monotonic() > deadline:
                    return
            readable, _, _ = select.select([fd], [], [], TICK_S)
            if not readable:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            room = self._limit - len(self._kept)
            self._kept += chunk[:max(room, 0)]
            self.dropped += max(len(chunk) - max(room, 0), 0)


@cache
def namespaces_work() -> bool:
    """Whether this process can make the namespaces (root, util-linux, a kernel and seccomp that allow it)."""
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None or shutil.which("nsenter") is None:
        return False
    probe = [unshare, "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--ipc", "--uts", "--", "true"]
    return subprocess.run(probe, capture_output=True, timeout=10, check=False).returncode == 0


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"the sandbox needs {name}(1) from util-linux on PATH")
    return path


def _private_dir(path: Path, mode: int) -> Path:
    """`path` as a directory of ours that nobody else can write (it may be in a world-writable /tmp)."""
    path.mkdir(mode=mode, exist_ok=True)
    info = path.lstat()
    if not path.is_dir() or path.is_symlink() or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise RuntimeError(f"{path} is not a directory that only uid {os.geteuid()} can write; remove it")
    os.chmod(path, mode)
    return path


def _lease_uid(locks: Path, writable: Sequence[str]) -> tuple[IO[str], int]:
    """A uid of SANDBOX_UIDS for this sandbox alone, held by a lock while the returned file is open.
    Every free uid still running processes or owning files (a killed worker's) is cleaned first."""
    leftovers = {usage.uid for usage in census().values() if usage.uid in SANDBOX_UIDS}
    leftovers |= {uid for uid in _uids_with_files(writable) if uid in SANDBOX_UIDS}
    lease: tuple[IO[str], int] | None = None
    for uid in sorted(leftovers):
        lock = _try_lock(locks, uid)
        if lock is None:
            continue
        _kill_uid(uid)
        _remove_files_of(uid, writable)
        if lease is None:
            lease = lock, uid
        else:
            lock.close()
    if lease is not None:
        return lease
    for uid in SANDBOX_UIDS:
        lock = _try_lock(locks, uid)
        if lock is not None:
            return lock, uid
    raise RuntimeError(f"all {len(SANDBOX_UIDS)} sandbox uids are in use")


def _try_lock(locks: Path, uid: int) -> IO[str] | None:
    """The lock of `uid`, if no one holds it; never for a uid that is a real account."""
    if _has_passwd_entry(uid):
        return None
    lock = (locks / f"uid-{uid}.lock").open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


def _has_passwd_entry(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False


def _kill_uid(uid: int) -> None:
    """SIGKILL every process of `uid`: `kill -1` as that uid reaches exactly those, in every namespace
    below ours, at once (a fork bomb cannot outrun it); repeated until none is left."""
    for _ in range(50):
        if not [usage for usage in of_uid(census(), uid) if not usage.zombie]:
            return
        subprocess.run(["sh", "-c", "kill -KILL -1"], user=uid, group=uid, extra_groups=[], env={"PATH": SAFE_PATH},
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=10, check=False)
        time.sleep(0.05)
    raise RuntimeError(f"processes of sandbox uid {uid} survive SIGKILL")


def _uids_with_files(writable: Sequence[str]) -> set[int]:
    found = set()
    for directory in writable:
        try:
            found |= {entry.stat(follow_symlinks=False).st_uid for entry in os.scandir(directory)}
        except OSError:
            continue
    return found


def _remove_files_of(uid: int, writable: Sequence[str]) -> None:
    """Delete what `uid` made in these directories: the shared writable ones (only their top level is
    writable to it) and the sandboxes' one (its scratch directory, when a killed worker left it)."""
    for directory in writable:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    _remove_tree(Path(entry.path))
                else:
                    os.unlink(entry.path)
            except FileNotFoundError:
                continue


def _remove_tree(path: Path) -> None:
    """rmtree, also when the sandbox left directories without write or search permission (it owns them)."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        return
    except PermissionError:
        os.chmod(path, 0o700)
        for directory, dirnames, _ in os.walk(path):
            for name in dirnames:
                child = os.path.join(directory, name)
                if not os.path.islink(child):
                    os.chmod(child, 0o700)
        shutil.rmtree(path)
