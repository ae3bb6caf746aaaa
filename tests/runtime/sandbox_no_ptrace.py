"""The sandbox as a root worker without CAP_SYS_PTRACE (a container's default) uses it: run by the
tests under `setpriv --bounding-set=-sys_ptrace`, with or without a network namespace (argv[1]:
"netns" or "loopback"); prints what each case gave as one JSON object."""

from __future__ import annotations

import json
import sys

from runtime.limits import Limits
from runtime.sandbox import Sandbox

SERVER = "require('http').createServer((q, r) => r.end('hello')).listen({port}, '127.0.0.1')"
CAP_SYS_PTRACE = 19
STRAY = "; require('net').createServer().listen(4444)"

report: dict[str, object] = {}
with Sandbox(Limits(log_bytes=10_000, tasks=64), network_namespace=sys.argv[1] == "netns") as sandbox:
    port = 3000 if sandbox.isolation == "netns" else 40000 + sandbox.uid % 1000
    report["isolation"] = sandbox.isolation
    effective = next(line for line in open("/proc/self/status") if line.startswith("CapEff:")).split()[1]
    report["sys_ptrace"] = bool(int(effective, 16) & 1 << CAP_SYS_PTRACE)
    server = sandbox.spawn(["node", "-e", SERVER.format(port=port)], port=port, timeout_s=60, ready_timeout_s=30)
    report["server"] = {"ready": server.ready, "outcome": server.stop().outcome}
    stray = sandbox.spawn(["node", "-e", SERVER.format(port=port) + STRAY], port=port, timeout_s=60)
    ended = stray.stop()
    report["stray"] = {"outcome": ended.outcome, "detail": ended.detail}
print(json.dumps(report))
