"""One store contract, two backends: a local directory and an S3-compatible server over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.store import NotInStore, S3Store, Store, StoreError, open_store

pytestmark = pytest.mark.integration


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "local":
        return open_store(str(tmp_path / "store"))
    url = request.getfixturevalue("s3_store_url")
    return open_store(url, request.getfixturevalue("s3_endpoint"))


def test_same_keys_same_behaviour(store: Store, tmp_path: Path) -> None:
    store.put_json("rounds/r/manifest.json", {"round": "r"})
    store.put_tree("rounds/r/runs/m/p/tree/", {f"src/f{i}.ts": f"export const x{i} = {i};" for i in range(25)})
    assert store.get_json("rounds/r/manifest.json") == {"round": "r"}
    assert store.exists("rounds/r/manifest.json") and not store.exists("rounds/r/nothing.json")
    keys = store.list("rounds/r/runs/m/p/tree/")
    assert len(keys) == 25 and keys == sorted(keys) and keys[0] == "rounds/r/runs/m/p/tree/src/f0.ts"
    assert store.list("rounds/r/") == ["rounds/r/manifest.json", *keys]
    with pytest.raises(NotInStore):
        store.get_bytes("rounds/r/absent")
    assert store.get_json_or_none("rounds/r/absent") is None
    written = store.materialize("rounds/r/runs/m/p/tree/", tmp_path / "tree")
    assert len(written) == 25 and (tmp_path / "tree/src/f7.ts").read_text() == "export const x7 = 7;"
    with pytest.raises(ValueError, match="unsafe store key"):
        store.put_text("rounds/../../x", "no")


def test_delete_prefix_removes_one_round_only(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("farm.store.S3_DELETE_BATCH", 7)  # several DeleteObjects requests on S3
    store.put_tree("rounds/gone/runs/m/p/tree/", {f"f{i}.ts": "x" for i in range(20)})
    store.put_json("rounds/gone/manifest.json", {"round": "gone"})
    store.put_json("rounds/gone-too-similar/manifest.json", {"round": "kept"})
    assert store.delete_prefix("rounds/gone/") == 21
    assert store.list("rounds/gone/") == [] and store.delete_prefix("rounds/gone/") == 0
    assert store.list("rounds/") == ["rounds/gone-too-similar/manifest.json"]


def test_s3_prefix_isolates_rounds(s3_store_url: str, s3_endpoint: str) -> None:
    a = open_store(s3_store_url + "/a", s3_endpoint)
    b = open_store(s3_store_url + "/b", s3_endpoint)
    a.put_text("k", "from a")
    assert b.get_json_or_none("k") is None and a.get_text("k") == "from a"
    assert isinstance(a, S3Store) and a.url.endswith("/a/")


def test_unreachable_s3_is_a_store_error() -> None:
    store = open_store("s3://nobucket/p", "http://127.0.0.1:9")
    with pytest.raises(StoreError, match="s3://nobucket/p/"):
        store.put_text("k", "v")
