"""kombu's Redis transport, with its crashes on a Redis restart turned into connection errors.

When the broker connection drops, Celery (5.7) closes the connection while kombu still uses its
channel: closing it again restores the worker's unacknowledged messages, and a late ack removes a
delivered one, each through a connection that is already gone. kombu then raises
`AttributeError: 'NoneType' object has no attribute 'hostname'` (or `'client'`), which Celery
treats as unrecoverable: the worker's main process exits (1–2 of 3 workers per Redis restart in
bench/drills). Raised as the connection error it is, kombu and Celery ignore or log it and
reconnect. Nothing is lost: the messages stay in kombu's unacked hash, and the farm's reaper sends
again the jobs that nobody holds.
"""

from __future__ import annotations

from typing import Any

import redis
from kombu.transport import redis as kombu_redis

TRANSPORT = "farm.broker_transport:Transport"  # Celery's `broker_transport` setting


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection is None or self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection under this channel is closed")
        return super()._connparams(asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
