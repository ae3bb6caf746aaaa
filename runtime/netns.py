"""A private network namespace with only `lo` up, and what listens in it.

The namespace is held by a small root process (this file run as a script, under `unshare --net`):
it brings `lo` up, says "ready" and waits for EOF on its stdin. Its stdin is a pipe from the
process that owns the `NetworkNamespace`, so the holder ends with its owner, even one killed
outright: nothing is left behind in /run/netns, and the namespace itself goes away with the last
process in it. Processes join it with `nsenter --net=/proc/<holder>/ns/net`.

What listens is read from /proc/<pid>/net/tcp{,6}, which shows the namespace of that pid (psutil
reads /proc/net, the caller's own namespace): all of a namespace's sockets, those a uid made, or
(through /proc/<pid>/fd, which takes the process's uid or CAP_SYS_PTRACE) those of given processes.
"""

from __future__ import annotations

import fcntl
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

READY = b"ready\n"
START_TIMEOUT_S = 10.0
_TCP_LISTEN = "0A"
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


class NetworkNamespace:
    """A fresh network namespace, alive from `start` to `close`; `enter` prefixes a command to run in it."""

    def __init__(self) -> None:
        self._holder: subprocess.Popen[bytes] | None = None

    def start(self) -> NetworkNamespace:
        unshare = shutil.which("unshare")
        if unshare is None:
            raise RuntimeError("no unshare(1) on PATH (util-linux)")
        holder = subprocess.Popen([unshare, "--net", "--", sys.executable, "-I", str(Path(__file__).resolve())],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  start_new_session=True)
        self._holder = holder
        assert holder.stdout is not None
        ready, _, _ = select.select([holder.stdout], [], [], START_TIMEOUT_S)
        if ready and holder.stdout.readline() == READY:
            return self
        self.close()
        err = holder.stderr.read().decode(errors="replace").strip() if holder.stderr else ""
        raise RuntimeError(f"could not create a network namespace: {err or f'no answer within {START_TIMEOUT_S}s'}")

    @property
    def pid(self) -> int:
        """The holder's pid: a process of ours in the namespace."""
        assert self._holder is not None, "not started"
        return self._holder.pid

    @property
    def path(self) -> str:
        assert self._holder is not None, "not started"
        return f"/proc/{self.pid}/ns/net"

    def enter(self) -> list[str]:
        """The argv prefix that runs a command inside the namespace (as the caller's user)."""
        nsenter = shutil.which("nsenter")
        if nsenter is None:
            raise RuntimeError("no nsenter(1) on PATH (util-linux)")
        return [nsenter, f"--net={self.path}", "--"]

    def close(self) -> None:
        holder, self._holder = self._holder, None
        if holder is None:
            return
        if holder.stdin is not None:
            holder.stdin.close()  # EOF: the holder exits
        try:
            holder.wait(timeout=5)
        except subprocess.TimeoutExpired:
            holder.kill()
            holder.wait(timeout=5)
        for stream in (holder.stdout, holder.stderr):
            if stream is not None:
                stream.close()


def listening(pids: Iterable[int]) -> set[tuple[str, int]]:
    """The (address, port) pairs on which these processes have a TCP socket in LISTEN state; it reads
    their /proc/PID/fd, so only processes of the caller's uid (or any, with CAP_SYS_PTRACE)."""
    inodes_by_ns: dict[str, set[str]] = {}
    reader_by_ns: dict[str, int] = {}
    for pid in pids:
        try:
            ns = os.readlink(f"/proc/{pid}/ns/net")
            inodes = _socket_inodes(pid)
        except OSError:
            continue  # gone, or not ours to read
        inodes_by_ns.setdefault(ns, set()).update(inodes)
        reader_by_ns.setdefault(ns, pid)
    return {(address, port) for ns, inodes in inodes_by_ns.items()
            for address, port, _, inode in _listen_table(reader_by_ns[ns]) if inode in inodes}


def listening_in_namespace(pid: int) -> set[tuple[str, int]]:
    """Every (address, port) listened on in the network namespace of `pid` (a process of ours that
    holds it): in a sandbox's namespace, all of them are the sandbox's. No capability needed."""
    return {(address, port) for address, port, _, _ in _listen_table(pid)}


def listening_of_uid(uid: int) -> set[tuple[str, int]]:
    """Every (address, port) that sockets made by `uid` listen on, in the caller's own namespace: a
    leased sandbox uid's are the sandbox's. No capability needed."""
    return {(address, port) for address, port, owner, _ in _listen_table(os.getpid()) if owner == uid}


def _listen_table(pid: int) -> list[tuple[str, int, int, str]]:
    """The LISTEN rows of /proc/PID/net/tcp and tcp6 (the namespace of `pid`): address, port, uid, inode."""
    rows = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == _TCP_LISTEN:
                rows.append((*_address(fields[1], family), int(fields[7]), fields[9]))
    return rows


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _address(hex_address: str, family: int) -> tuple[str, int]:
    """/proc/net/tcp's "0100007F:0BB8": the address as 32-bit words in host (little-endian) order."""
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    packed = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return socket.inet_ntop(family, packed), int(port, 16)


def _hold() -> None:
    """Inside the new namespace: bring `lo` up, say ready, and live until stdin closes."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | _IFF_UP))
    sys.stdout.buffer.write(READY)
    sys.stdout.flush()
    while sys.stdin.buffer.read(4096):
        pass


if __name__ == "__main__":
    _hold()
