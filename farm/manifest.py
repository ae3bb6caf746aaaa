"""The immutable manifest a round is frozen into at submission, so two rounds can be compared.

It holds the resolved spec (endpoint URLs filled in), the project texts, the pipeline version and
prompt hashes, package versions and the git commit. It never holds an API key: models name the
environment variable that holds theirs.

The embedded farm's simulator is named, not located: every command starts it on another port, so
the manifest says `base_url: sim://embedded`, and a loaded manifest resolves it to the simulator
running now (FARM_SIM_URL, which the embedded farm gives its workers). Rounds frozen before that
name a `http://127.0.0.1:PORT/v1` simulator; they are read the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer, model_validator

import farm
from farm import config
from farm.conformance import Conformance
from farm.roundfile import LoadedRound
from farm.runplan import PlannedRun, planned_runs
from farm.spec import EndpointKind, RoundSpec
from scoring.profiles import DEFAULT as DEFAULT_PROFILE
from workers.harness.usage import COST_POLICY

REPO_ROOT = Path(__file__).resolve().parent.parent
PHASES_DIR = REPO_ROOT / "workers" / "phases"
# Rounds frozen before profiles existed were scored with this weight set, named or not; its id is a profile's.
LEGACY_PROFILE = "autobe-2026.04"
EMBEDDED_SIMULATOR = "sim://embedded"
# What manifests frozen before EMBEDDED_SIMULATOR recorded for the embedded simulator.
_LEGACY_EMBEDDED = re.compile(r"^http://127\.0\.0\.1:\d+/v1$")
_PACKAGES = ("benchfarm", "openai", "celery", "kombu", "redis", "pydantic", "json-repair", "boto3")


class ProjectEntry(BaseModel):
    model_config = ConfigDict(frozen=True)
    source: str
    sha256: str
    text: str


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True)

    round: str
    created_at: str
    spec: RoundSpec
    projects: dict[str, ProjectEntry]
    pipeline: dict[str, Any]
    profile: str  # the scoring profile (scoring/profiles/) every run of the round is scored under
    packages: dict[str, str]
    git_commit: str | None
    cost_policy: dict[str, str] | None = None  # None: frozen before the policy was recorded
    # Per model: what its endpoint took and honoured at submission (the probe's conformance check);
    # empty when submitted without preflight, and workers then ask the server themselves.
    endpoints: dict[str, Conformance] = {}
    # The models whose endpoint is the embedded farm's simulator (stored as EMBEDDED_SIMULATOR).
    embedded_simulator: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _profile_of_older_rounds(cls, data: Any) -> Any:
        """Manifests frozen before profiles name a weight set (`rubric_weights`), or nothing: map it to the profile."""
        if isinstance(data, dict) and "profile" not in data:
            rest = {key: value for key, value in data.items() if key != "rubric_weights"}
            return {**rest, "profile": data.get("rubric_weights", LEGACY_PROFILE)}
        return data

    @model_validator(mode="before")
    @classmethod
    def _resolve_embedded_simulator(cls, data: Any) -> Any:
        """A stored manifest's `sim://embedded` becomes the simulator running now (None when none
        is: the endpoint then says so when used). Manifests without `embedded_simulator` were frozen
        before it: their simulator endpoints on a 127.0.0.1 port were the embedded farm's."""
        if not isinstance(data, dict) or not isinstance(data.get("spec"), dict):
            return data  # built in Python (build_manifest), already resolved
        legacy = "embedded_simulator" not in data
        embedded, models = set(data.get("embedded_simulator") or []), []
        for model in data["spec"].get("models", []):
            endpoint = model.get("endpoint", {})
            url = endpoint.get("base_url") or ""
            named = url == EMBEDDED_SIMULATOR or legacy and _LEGACY_EMBEDDED.match(url)
            if endpoint.get("kind") == EndpointKind.SIMULATOR.value and named:
                embedded.add(model["id"])
                live = config.simulator_url() or (url if legacy else None)
                model = {**model, "endpoint": {**endpoint, "base_url": live}}
            models.append(model)
        return {**data, "spec": {**data["spec"], "models": models}, "embedded_simulator": sorted(embedded)}

    @model_serializer(mode="wrap")
    def _name_embedded_simulator(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Stored and compared by its name, never by the port it had in one command."""
        data = handler(self)
        for model in data.get("spec", {}).get("models", []) if self.embedded_simulator else []:
            if model["id"] in self.embedded_simulator:
                model["endpoint"]["base_url"] = EMBEDDED_SIMULATOR
        return data

    def project_text(self, name: str) -> str:
        return self.projects[name].text

    def runs(self) -> list[PlannedRun]:
        """Every run of the round: contestants × projects × repeats, each with its seed."""
        return planned_runs(self.spec, list(self.projects))

    def comparable(self) -> dict[str, Any]:
        """Everything that defines the round's conditions (creation time and id left out)."""
        return self.model_dump(mode="json", exclude={"created_at", "round"})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pipeline_identity() -> dict[str, Any]:
    """Version and hashes of the phase code and of each phase's prompt templates."""
    sources = sorted(PHASES_DIR.rglob("*.py"))
    code = hashlib.sha256()
    for path in sources:
        code.update(path.relative_to(PHASES_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    prompts = {path.parent.name: _sha(path.read_bytes()) for path in sorted(PHASES_DIR.glob("*/prompts.py"))}
    return {"version": farm.__version__, "code_sha256": code.hexdigest(), "prompt_sha256": prompts}


def package_versions() -> dict[str, str]:
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    lock = REPO_ROOT / "package-lock.json"
    if lock.is_file():
        packages = json.loads(lock.read_text()).get("packages", {})
        for path, info in sorted(packages.items()):
            if path.count("node_modules/") == 1 and not info.get("dev"):
                versions["npm:" + path.removeprefix("node_modules/")] = info.get("version", "?")
    return versions


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def resolve_endpoints(spec: RoundSpec, simulator_url: str | None) -> RoundSpec:
    """Fill in the simulator's URL so the manifest says exactly where every call went."""
    models = []
    for model in spec.models:
        if model.endpoint.kind is EndpointKind.SIMULATOR and not model.endpoint.base_url:
            endpoint = model.endpoint.model_copy(update={"base_url": model.endpoint.url(simulator_url)})
            model = model.model_copy(update={"endpoint": endpoint})
        models.append(model)
    return spec.model_copy(update={"models": models})


def build_manifest(loaded: LoadedRound, simulator_url: str | None = None, profile: str = DEFAULT_PROFILE,
                   endpoints: dict[str, Conformance] | None = None, *, embedded_simulator: bool = False) -> Manifest:
    """`embedded_simulator`: `simulator_url` is the embedded farm's, stored as EMBEDDED_SIMULATOR."""
    on_simulator = [m.id for m in loaded.spec.models
                    if m.endpoint.kind is EndpointKind.SIMULATOR and not m.endpoint.base_url]
    return Manifest(
        round=loaded.spec.round,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        spec=resolve_endpoints(loaded.spec, simulator_url),
        projects={p.name: ProjectEntry(source=p.source, sha256=p.sha256, text=p.text) for p in loaded.projects},
        pipeline=pipeline_identity(),
        profile=profile,
        packages=package_versions(),
        git_commit=git_commit(),
        cost_policy=COST_POLICY,
        endpoints=endpoints or {},
        embedded_simulator=sorted(on_simulator) if embedded_simulator else [],
    )


def diff(a: Any, b: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(path, left, right) for every leaf that differs between two JSON values."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            out += diff(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [(path, a, b)]
