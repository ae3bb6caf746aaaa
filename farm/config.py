"""Environment configuration (design.md, "Configuration"). No URL set means the embedded default."""

from __future__ import annotations

import os

DEFAULT_STORE = "farm-store"


def redis_url() -> str | None:
    return os.environ.get("FARM_REDIS_URL") or None


def store_url() -> str:
    return os.environ.get("FARM_STORE") or DEFAULT_STORE


def s3_endpoint() -> str | None:
    return os.environ.get("FARM_S3_ENDPOINT") or None


def simulator_url() -> str | None:
    return os.environ.get("FARM_SIM_URL") or None


def require_redis_url() -> str:
    url = redis_url()
    if not url:
        raise RuntimeError("FARM_REDIS_URL is not set (workers need the farm's Redis broker)")
    return url
