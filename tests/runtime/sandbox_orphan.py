"""A worker that dies mid-verify: opens a sandbox, starts a server, prints its uid and scratch
directory as JSON, then sleeps until killed (the test SIGKILLs it)."""

from __future__ import annotations

import json
import sys
import time

from runtime.sandbox import Sandbox

sandbox = Sandbox().open()
server = sandbox.spawn(["node", "-e", "require('http').createServer(() => {}).listen(3000)"],
                       port=3000, timeout_s=600, ready_timeout_s=30)
print(json.dumps({"uid": sandbox.uid, "scratch": str(sandbox.path), "ready": server.ready}), flush=True)
time.sleep(600)
sys.exit(1)
