"""The broker transport survives what kombu does to a channel when Redis goes away under a worker
(an AttributeError that Celery treated as unrecoverable: the worker's main process exited)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from kombu import Connection
from kombu.transport import redis as kombu_redis

from farm.broker_transport import TRANSPORT, Transport

pytestmark = pytest.mark.integration


@contextmanager
def _channel_after_a_lost_connection(redis_url: str, transport: object) -> Iterator[kombu_redis.Channel]:
    """A channel holding an unacknowledged delivery whose connection is gone (its pool is rebuilt
    from the connection's parameters on the next use, and there are none). The delivery is
    forgotten afterwards, or kombu tries to restore it again when the test process exits."""
    channel = Connection(redis_url, transport=transport).channel()
    channel.qos._delivered["tag-1"] = object()  # noqa: SLF001 - the delivery a lost worker held
    channel._pool = None  # noqa: SLF001 - dropped with the broken connection
    channel.connection.client = None
    try:
        yield channel
    finally:
        channel.qos._delivered.clear()  # noqa: SLF001


def test_kombus_own_transport_raises_what_celery_cannot_recover_from(redis_url: str) -> None:
    with _channel_after_a_lost_connection(redis_url, None) as channel:
        with pytest.raises(AttributeError, match="hostname"):
            channel.qos.restore_unacked()  # the second close after a lost connection
        with pytest.raises(AttributeError, match="hostname"):
            channel.qos.ack("tag-1")  # a late ack after a lost connection


def test_the_farms_transport_raises_a_connection_error_celery_rides_out(redis_url: str) -> None:
    with _channel_after_a_lost_connection(redis_url, TRANSPORT) as channel:
        for use in (channel.qos.restore_unacked, lambda: channel.qos.ack("tag-1")):
            with pytest.raises(Transport.connection_errors):
                use()
