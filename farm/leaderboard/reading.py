"""Validated JSON from the store, with errors that name the object (and so the round) at fault."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from farm.store import Store

T = TypeVar("T", bound=BaseModel)


class LeaderboardError(Exception):
    """The store holds something a leaderboard cannot be built from; the message names it."""


def where(store: Store, key: str) -> str:
    return f"{store.url.rstrip('/')}/{key}"


def read_json(store: Store, key: str, schema: type[T], what: str) -> T | None:
    """The object at key validated against schema; None when absent; a LeaderboardError naming it when broken."""
    try:
        data: Any = store.get_json_or_none(key)
        return None if data is None else schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise LeaderboardError(f"{where(store, key)}: not a valid {what} ({loc}: {first['msg']})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LeaderboardError(f"{where(store, key)}: not valid JSON ({exc})") from None
