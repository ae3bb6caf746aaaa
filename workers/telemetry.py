"""Celery signal handlers that serve the worker's metrics from its main process.

`worker_init` runs once in the main process, before the prefork children exist; children write
their multiprocess files, the main process sums them on every scrape. A child that exits cleanly
removes its live gauges (`mark_process_dead`); its counters stay counted, as they should.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import signals
from prometheus_client import multiprocess

from farm import config, exporter

log = logging.getLogger("benchfarm.telemetry")


@signals.worker_init.connect
def serve_metrics(**_: Any) -> None:
    """Serve /metrics on FARM_METRICS_PORT; a worker without metrics still works, so never fatal."""
    port = int(os.environ.get("FARM_METRICS_PORT", exporter.DEFAULT_PORT))
    addr = os.environ.get("FARM_METRICS_ADDR", "0.0.0.0")  # noqa: S104 - Prometheus scrapes pods from outside
    try:
        exporter.serve(config.require_redis_url(), port, addr)
    except (OSError, RuntimeError) as exc:
        log.warning("not serving metrics on %s:%s: %s", addr, port, exc)
        return
    log.info("serving metrics on http://%s:%s/metrics", addr, port)


@signals.worker_process_shutdown.connect
def forget_dead_child(pid: int, **_: Any) -> None:
    if os.environ.get(exporter.MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)
