"""What a sandbox may use, how the kernel enforces it, and a census of what it uses now.

Two layers. The kernel's rlimits (set with prlimit(1), inherited by every process the command
starts) are hard backstops that need no watcher: RLIMIT_DATA for memory, RLIMIT_NPROC for forks
(per uid: exact when the sandbox has a uid of its own), RLIMIT_CPU, RLIMIT_NOFILE, RLIMIT_FSIZE.
The sandbox's watchdog reads `census()` a few times a second and stops a command when it goes
over, which is what turns a limit into a clear outcome instead of a crash with a vague signal.

Memory is RLIMIT_DATA, not RLIMIT_AS: V8 reserves address space it never touches (a NestJS
server: ~1 GiB of virtual size for ~90 MiB resident; WebAssembly reserves far more), so node dies
at start under any useful RLIMIT_AS, while RLIMIT_DATA counts only writable private mappings,
i.e. what can actually become resident.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

MiB, GiB = 1024**2, 1024**3
CPU_BACKSTOP_S = 10  # RLIMIT_CPU sits this far above the watchdog's CPU limit: the watchdog speaks first
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Limits:
    """Bounds for one sandbox. Sizes in bytes, times in seconds.

    memory_bytes: resident memory of the whole sandbox (the watchdog), and each process's
      RLIMIT_DATA. 2 GiB: a NestJS server is ~90 MiB resident, tsc on a small project ~220 MiB;
      a big generated project's type check is the largest user.
    tasks: processes and threads of the sandbox (RLIMIT_NPROC counts threads: node runs ~11).
    cpu_s: CPU time of one command summed over its processes (the watchdog).
    log_bytes: output kept per command; past it the command is stopped as a log flood.
    """

    memory_bytes: int = 2 * GiB
    tasks: int = 256
    cpu_s: int = 600
    open_files: int = 4096
    file_bytes: int = 256 * MiB
    log_bytes: int = 2 * MiB

    def prlimit(self, nproc: int) -> list[str]:
        """prlimit(1) options for the kernel backstops; `nproc` is the uid-wide RLIMIT_NPROC to set."""
        return [f"--data={self.memory_bytes}", f"--nproc={nproc}",
                f"--cpu={self.cpu_s + CPU_BACKSTOP_S}", f"--nofile={self.open_files}",
                f"--fsize={self.file_bytes}", "--core=0"]


@dataclass(frozen=True)
class ProcessUsage:
    """One process as /proc shows it now."""

    pid: int
    ppid: int
    uid: int  # real uid: the one RLIMIT_NPROC counts
    zombie: bool  # exited, not yet reaped: holds nothing but its pid (and a place in RLIMIT_NPROC)
    rss_bytes: int
    threads: int
    cpu_s: float  # its own CPU time, plus that of the children it has reaped


def census() -> dict[int, ProcessUsage]:
    """Every process visible in /proc, by pid (those that vanish while being read are left out)."""
    processes = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            usage = _read(int(entry))
            if usage is not None:
                processes[usage.pid] = usage
    return processes


def tree(processes: dict[int, ProcessUsage], root: int) -> list[ProcessUsage]:
    """`root` and its descendants."""
    children: dict[int, list[int]] = {}
    for usage in processes.values():
        children.setdefault(usage.ppid, []).append(usage.pid)
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        if pid in processes:
            found.append(processes[pid])
            pending.extend(children.get(pid, []))
    return found


def of_uid(processes: dict[int, ProcessUsage], uid: int) -> list[ProcessUsage]:
    return [usage for usage in processes.values() if usage.uid == uid]


def totals(processes: Iterable[ProcessUsage]) -> tuple[int, int, float]:
    """Resident bytes, tasks (threads) and CPU seconds, summed."""
    rss = tasks = 0
    cpu = 0.0
    for usage in processes:
        rss, tasks, cpu = rss + usage.rss_bytes, tasks + usage.threads, cpu + usage.cpu_s
    return rss, tasks, cpu


def _read(pid: int) -> ProcessUsage | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
        with open(f"/proc/{pid}/status", "rb") as handle:
            status = handle.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: fields count from after it.
    fields = stat[stat.rindex(b")") + 2:].split()
    uid = next(int(line.split()[1]) for line in status.splitlines() if line.startswith(b"Uid:"))
    ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ProcessUsage(pid=pid, ppid=int(fields[1]), uid=uid, zombie=fields[0] == b"Z",
                        rss_bytes=int(fields[21]) * _PAGE, threads=int(fields[17]), cpu_s=ticks / _CLOCK_TICKS)
