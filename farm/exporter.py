"""Serving /metrics: the sum of every process's multiprocess files, plus the farm's state in Redis.

A Celery worker's main process serves it (see `workers.telemetry`) for its prefork children, which
only write their files. The files of one worker start empty: old ones belong to dead processes and
would skew the sums. A round is served per job while it runs (and a while after), then per model
(`farm.metrics_rollup`); `farm.metrics_state.forget_round` drops a round altogether.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

from farm.ledger import Ledger
from farm.metrics_rollup import RolledUpCollector
from farm.metrics_state import FarmStateCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
DEFAULT_PORT = 9464


def fresh_multiproc_dir(path: Path) -> Path:
    """Create (or empty) the directory a worker's processes write their metric files to."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def registry(redis_url: str) -> CollectorRegistry:
    """What /metrics serves; needs PROMETHEUS_MULTIPROC_DIR (set before any metric was created)."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        raise RuntimeError(f"{MULTIPROC_ENV} is not set: worker processes cannot share their metrics")
    # A scrape while Redis is away answers at once with the processes' metrics, not after a ride-out.
    ledger = Ledger.from_url(redis_url, ride_out_s=1)
    reg = CollectorRegistry()
    reg.register(RolledUpCollector(MultiProcessCollector(None, path=path), ledger))
    reg.register(FarmStateCollector(ledger))
    return reg


def serve(redis_url: str, port: int, addr: str) -> tuple[WSGIServer, Thread]:
    """Serve /metrics in a daemon thread; raises OSError when the port is taken."""
    return start_http_server(port, addr=addr, registry=registry(redis_url))
