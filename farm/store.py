"""The artifact store: one interface, two backends (S3 via boto3, a local directory), same keys.

Writes are whole-object and atomic on both backends (S3 PUT; rename on a local disk), so a
reader never sees half an artifact. Completeness is a separate matter: a phase is done only when
its result record exists, and that record is written last.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

S3_DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes

log = logging.getLogger("benchfarm.store")

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL
_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


class StoreError(Exception):
    """The store could not be reached or refused an operation (an infrastructure failure)."""


class NotInStore(KeyError):
    """The key holds no object."""


class _CutShort(StoreError):
    """An answer cut or dropped while its body was read, which botocore does not retry: an object's
    body is read after its retried call returned, and an error's body (of a streaming operation,
    GetObject) outside its retry loop."""


def check_key(key: str) -> str:
    """Keys are relative POSIX paths without '..', so no backend can be led outside its root."""
    path = PurePosixPath(key)
    if not key or key.startswith("/") or "\\" in key or "\x00" in key or ".." in path.parts:
        raise ValueError(f"unsafe store key {key!r}")
    return key


class Store(ABC):
    url: str

    @abstractmethod
    def put_bytes(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def get_bytes(self, key: str) -> bytes:
        """Raises NotInStore when absent."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def list(self, prefix: str) -> list[str]:
        """Every key under prefix, sorted."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix` (a deleted round); returns how many there were."""

    def put_text(self, key: str, text: str) -> None:
        self.put_bytes(key, text.encode("utf-8"))

    def get_text(self, key: str) -> str:
        return self.get_bytes(key).decode("utf-8")

    def put_json(self, key: str, value: Any) -> None:
        """Indented, keys sorted, UTF-8: readable and diffable. orjson, as a job writes a JSON
        artifact for every operation and the standard encoder is pure Python once indented."""
        self.put_bytes(key, orjson.dumps(value, option=_JSON_OPTIONS))

    def get_json(self, key: str) -> Any:
        return orjson.loads(self.get_bytes(key))

    def get_json_or_none(self, key: str) -> Any | None:
        try:
            return self.get_json(key)
        except NotInStore:
            return None

    def iter_json(self, prefix: str) -> Iterator[tuple[str, Any]]:
        for key in self.list(prefix):
            yield key, self.get_json(key)

    def put_tree(self, prefix: str, files: dict[str, str]) -> None:
        """Write many files under prefix."""
        for path, text in files.items():
            self.put_text(prefix + check_key(path), text)

    def get_many_json(self, keys: list[str]) -> list[Any]:
        return [self.get_json(key) for key in keys]

    def materialize(self, prefix: str, dest: Path) -> list[Path]:
        """Download every object under prefix into dest, keeping relative paths."""
        written = []
        for key in self.list(prefix):
            target = dest / check_key(key[len(prefix) :])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.get_bytes(key))
            written.append(target)
        return written


class LocalStore(Store):
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.url = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_bytes(self, key: str, data: bytes) -> None:
        """Write to a fresh temporary file beside the target, then rename it into place.

        The folder is created only when the first open says it is missing: a job writes dozens of
        small artifacts, and `mkdir` plus `mkstemp` on every one cost five times the write.
        """
        path = self._path(key)
        tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name[-64:]}")
        try:
            fd = os.open(tmp, _NEW_FILE, 0o644)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, _NEW_FILE, 0o644)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise NotInStore(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix if prefix else self.root
        start = base if base.is_dir() else base.parent
        if not start.is_dir():
            return []
        keys = []
        for dirpath, _dirs, files in os.walk(start):
            for name in files:
                if name.startswith(".tmp-"):
                    continue
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def delete_prefix(self, prefix: str) -> int:
        found = self.list(check_key(prefix))
        shutil.rmtree(self.root / prefix, ignore_errors=True)  # its temporary files and folders too
        return len(found)


class S3Store(Store):
    """S3 or an S3-compatible server.

    botocore's standard retry mode covers throttling, 5xx and connections dropped before an answer.
    It does not cover an object's body cut or dropped while it is read (the read happens after the
    retried call returned), so a GET is retried here as a whole, request and body, up to
    `READ_ATTEMPTS` times with jittered exponential backoff.
    """

    READ_ATTEMPTS = 6
    READ_BACKOFF_S = 0.1  # doubled on each retry, up to READ_BACKOFF_MAX_S
    READ_BACKOFF_MAX_S = 2.0

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.url = f"s3://{bucket}/{self.prefix}"
        self._client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            config=Config(retries={"max_attempts": 8, "mode": "standard"}, max_pool_connections=32),
        )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _call(self, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError
        from urllib3.exceptions import HTTPError as URLLib3Error

        try:
            return getattr(self._client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise NotInStore(kwargs.get("Key", "")) from None
            raise StoreError(f"{self.url}: {method} failed: {code or exc}") from exc
        except BotoCoreError as exc:
            raise StoreError(f"{self.url}: {method} failed: {exc}") from exc
        except (URLLib3Error, OSError) as exc:  # raw from botocore: an error answer's body cut short
            raise _CutShort(f"{self.url}: {method} failed: {type(exc).__name__}: {exc}") from exc

    def put_bytes(self, key: str, data: bytes) -> None:
        self._call("put_object", Key=self._key(key), Body=data)

    def put_tree(self, prefix: str, files: dict[str, str]) -> None:
        """In parallel: a big tree is thousands of round trips (a local disk gains nothing from threads)."""
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda item: self.put_text(prefix + check_key(item[0]), item[1]), files.items()))

    def get_many_json(self, keys: list[str]) -> list[Any]:
        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(self.get_json, keys))

    def get_bytes(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError
        from urllib3.exceptions import HTTPError as URLLib3Error

        for attempt in range(1, self.READ_ATTEMPTS + 1):
            try:
                body = self._call("get_object", Key=self._key(key))["Body"]
                try:
                    return body.read()  # botocore checks the length read against Content-Length
                except (BotoCoreError, URLLib3Error, OSError) as exc:  # cut, dropped or stalled mid-body
                    body.close()
                    raise _CutShort(f"{type(exc).__name__}: {exc}") from exc
            except _CutShort as exc:
                if attempt == self.READ_ATTEMPTS:
                    raise StoreError(f"{self.url}: get_object {key!r}: the answer was cut {attempt} times; "
                                     f"last: {exc}") from exc
                wait = min(self.READ_BACKOFF_MAX_S, self.READ_BACKOFF_S * 2 ** (attempt - 1))
                log.info("%s: reading %r was cut short (%s); retrying in %.2fs", self.url, key, exc, wait)
                time.sleep(wait * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not crypto
        raise AssertionError("unreachable")

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", Key=self._key(key))
        except NotInStore:
            return False
        return True

    def list(self, prefix: str) -> list[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        keys = []
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            ):
                keys.extend(obj["Key"][len(self.prefix) :] for obj in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise StoreError(f"{self.url}: list failed: {exc}") from exc
        return sorted(keys)

    def delete_prefix(self, prefix: str) -> int:
        found = self.list(check_key(prefix))
        for start in range(0, len(found), S3_DELETE_BATCH):
            batch = [{"Key": self._key(key)} for key in found[start : start + S3_DELETE_BATCH]]
            failed = self._call("delete_objects", Delete={"Objects": batch, "Quiet": True}).get("Errors")
            if failed:
                raise StoreError(f"{self.url}: {len(failed)} object(s) not deleted, e.g. {failed[0].get('Key')}: "
                                 f"{failed[0].get('Code')}")
        return len(found)


def open_store(url: str, s3_endpoint: str | None = None) -> Store:
    """`s3://bucket/prefix` or a directory path."""
    if url.startswith("s3://"):
        bucket, _, prefix = url[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError(f"store URL {url!r} names no bucket")
        return S3Store(bucket, prefix, endpoint_url=s3_endpoint)
    if "://" in url:
        raise ValueError(f"store URL {url!r}: only s3:// URLs or local paths are supported")
    return LocalStore(Path(url).expanduser())
