"""The sandbox as a non-root worker (a Kubernetes pod) uses it: run by the tests as an unprivileged
uid, prints what each case gave as one JSON object."""

from __future__ import annotations

import json
import os
import sys

from runtime.limits import Limits
from runtime.sandbox import Sandbox

SERVER = "require('http').createServer((q, r) => r.end('hello')).listen(3000, '127.0.0.1')"
CLIENT = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:3000/', timeout=5).read().decode())"

report: dict[str, object] = {"worker_uid": os.getuid()}
with Sandbox(Limits(log_bytes=10_000, tasks=64)) as sandbox:
    report["isolation"] = sandbox.isolation
    report["scratch"] = str(sandbox.path)
    ran = sandbox.run(["node", "-e", "console.log(process.getuid()); require('fs').mkdirSync('locked');"
                       "require('fs').writeFileSync('locked/f', 'x'); require('fs').chmodSync('locked', 0)"],
                      timeout_s=30)
    report["run"] = {"outcome": ran.outcome, "uid": ran.uid, "printed": ran.output.strip()}
    report["flood"] = sandbox.run(["node", "-e", "for (;;) console.log('x'.repeat(100))"], timeout_s=30).outcome
    report["hang"] = sandbox.run(["sleep", "30"], timeout_s=1).outcome
    bomb = "const {spawn} = require('child_process'); setInterval(() => { for (let i = 0; i < 20; i++) " \
           "spawn('sleep', ['60']).on('error', () => {}); }, 10)"
    report["fork_bomb"] = sandbox.run(["node", "-e", bomb], timeout_s=60).outcome
    server = sandbox.spawn(["node", "-e", SERVER], port=3000, timeout_s=60, ready_timeout_s=30)
    client = sandbox.run_inside([sys.executable, "-c", CLIENT], timeout_s=30)
    report["server"] = {"ready": server.ready, "answer": client.stdout.decode().strip(),
                        "outcome": server.stop().outcome}
print(json.dumps(report))
