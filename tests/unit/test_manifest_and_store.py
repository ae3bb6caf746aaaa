"""The manifest is complete and never holds a key; the local store stays inside its root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from farm.manifest import Manifest, build_manifest, diff
from farm.roundfile import load_round
from farm.store import LocalStore, NotInStore
from scoring.profiles import DEFAULT as DEFAULT_PROFILE

REPO = Path(__file__).resolve().parents[2]


def test_manifest_records_conditions_but_no_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-SECRET-never-stored")
    monkeypatch.setenv("LLAMA_API_KEY", "local-SECRET")
    manifest = build_manifest(load_round(REPO / "rounds" / "example.yaml"))
    text = manifest.model_dump_json()
    assert "SECRET" not in text
    assert manifest.spec.models[3].endpoint.api_key_env == "LLAMA_API_KEY"
    assert set(manifest.pipeline["prompt_sha256"]) >= {"analyze"}
    assert manifest.packages["openai"] and manifest.packages["npm:typescript"] == "7.0.2"
    assert manifest.projects["todo"].sha256 and "todo" in manifest.projects["todo"].text.lower()


def test_simulator_endpoints_are_resolved_into_the_manifest() -> None:
    manifest = build_manifest(load_round(REPO / "farm" / "demo_round.yaml"), simulator_url="http://127.0.0.1:9/v1")
    assert {m.endpoint.base_url for m in manifest.spec.models} == {"http://127.0.0.1:9/v1"}


def test_manifest_names_the_scoring_profile_and_reads_older_ones() -> None:
    manifest = build_manifest(load_round(REPO / "rounds" / "example.yaml"))
    assert manifest.profile == DEFAULT_PROFILE == "benchfarm-2026.12"
    stored = manifest.model_dump(mode="json")
    assert "rubric_weights" not in stored and Manifest.model_validate(stored) == manifest
    older = {key: value for key, value in stored.items() if key != "profile"}
    # Frozen before profiles: the weight set it names is the profile of that id; naming none meant the default then.
    assert Manifest.model_validate({**older, "rubric_weights": "autobe-2026.03"}).profile == "autobe-2026.03"
    assert Manifest.model_validate(older).profile == "autobe-2026.04"


def test_diff_lists_changed_leaves() -> None:
    a = {"spec": {"models": [{"id": "x", "t": 0.0}], "retry": 3}, "same": 1}
    b = {"spec": {"models": [{"id": "x", "t": 0.7}], "retry": 3}, "same": 1, "new": True}
    assert diff(a, b) == [("new", None, True), ("spec.models[0].t", 0.0, 0.7)]


def test_local_store_roundtrip_and_listing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_json("rounds/r/a.json", {"b": 1})
    store.put_tree("rounds/r/tree/", {"src/x.ts": "x", "README.md": "# r"})
    assert store.get_json("rounds/r/a.json") == {"b": 1}
    assert store.list("rounds/r/tree/") == ["rounds/r/tree/README.md", "rounds/r/tree/src/x.ts"]
    assert store.list("rounds/nothing/") == []
    with pytest.raises(NotInStore):
        store.get_bytes("rounds/r/missing.json")
    assert not any(p.name.startswith(".tmp-") for p in tmp_path.rglob("*"))
    out = tmp_path / "out"
    store.materialize("rounds/r/tree/", out)
    assert (out / "src" / "x.ts").read_text() == "x"


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "a/../../b", "a\x00b", ""])
def test_unsafe_keys_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="unsafe store key"):
        LocalStore(tmp_path).put_text(key, "x")
    assert json.dumps(sorted(p.name for p in tmp_path.iterdir())) == "[]"
