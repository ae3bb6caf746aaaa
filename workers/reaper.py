"""Runs the farm's reaper (farm/reaper.py) in every worker's main process, from Celery's signals.

The main process, not a pool child: it outlives the jobs it hands out, and a job's own failure
cannot take it down. Every worker runs one, so the farm heals as long as any worker is up; a Redis
lock lets one of them reap per period. `FARM_REAPER=0` turns it off (a worker that only drains).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from celery import signals

from farm import config
from farm.ledger import Ledger
from farm.queueing import make_celery
from farm.reaper import Reaper
from workers.environment import JOB_LEASE_TTL_S

log = logging.getLogger("benchfarm.reaper")

_running: list[threading.Event] = []


@signals.worker_ready.connect
def start_reaper(**_: Any) -> None:
    if os.environ.get("FARM_REAPER", "1") == "0" or _running:
        return
    try:
        redis_url = config.require_redis_url()
    except RuntimeError as exc:  # a worker without a reaper still works
        log.warning("no reaper: %s", exc)
        return
    # An app of its own: the reaper's thread never shares the consumer's broker connections.
    reaper = Reaper(Ledger.from_url(redis_url), make_celery(redis_url), JOB_LEASE_TTL_S)
    _running.append(reaper.start())


@signals.worker_shutdown.connect
def stop_reaper(**_: Any) -> None:
    while _running:
        _running.pop().set()
