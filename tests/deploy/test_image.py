"""The image definition: lint, build context, entrypoint behaviour. (No Docker engine here, so
the image itself is not built; these catch what can be caught without one.)"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess

from tests.deploy.deploytools import DEPLOY, REPO, find_tool, run

DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
ENTRYPOINT = DEPLOY / "docker" / "entrypoint.sh"


def test_hadolint_passes():
    result = run([find_tool("hadolint"), "--no-color", str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, rest = line.partition(" ")
            out.append((op.upper(), rest.strip()))
    return out


def _dockerignored(path: str) -> bool:
    """.dockerignore semantics: last matching pattern wins; a pattern matching a parent directory
    matches everything below it; `**` spans directories; `!` re-includes."""
    patterns = [p.strip() for p in (REPO / ".dockerignore").read_text().splitlines() if p.strip() and not p.startswith("#")]
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = fnmatch.translate(pattern.lstrip("!").rstrip("/")).replace(".*", "[^/]*").replace("[^/]*[^/]*/", "(.*/)?")
        if any(re.match(regex, prefix) for prefix in prefixes):
            excluded = not negate
    return excluded


def test_dockerignore_semantics_as_used_below():
    assert _dockerignored("deploy/.env")
    assert _dockerignored(".venv/bin/python")
    assert _dockerignored("farm/__pycache__/x.pyc")
    assert not _dockerignored("farm/spec.py")
    assert not _dockerignored("deploy/docker/entrypoint.sh")


def test_every_copied_path_is_in_the_build_context():
    copies = [rest for op, rest in _instructions() if op == "COPY" and "--from=" not in rest]
    assert copies
    for rest in copies:
        *sources, _dest = rest.split()
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: not in the repo"
            files = [source] if (REPO / source).is_file() else [
                str(p.relative_to(REPO)) for p in (REPO / source).rglob("*") if p.is_file() and "__pycache__" not in p.parts
            ]
            kept = [f for f in files if not _dockerignored(f)]
            assert kept, f"COPY {source}: excluded by .dockerignore"


def test_runtime_stage_is_non_root_and_uses_the_locked_toolchain():
    ops = _instructions()
    last_from = max(i for i, (op, _) in enumerate(ops) if op == "FROM")
    users = [rest for op, rest in ops[last_from:] if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), "the runtime stage must run as a non-root user"
    assert re.fullmatch(r"[0-9]+(:[0-9]+)?", users[-1]), "numeric USER, so runAsNonRoot can check it"
    runs = " ".join(rest for op, rest in ops if op == "RUN")
    assert "npm ci --omit=dev" in runs
    assert "pip install ." in runs


def test_toolchain_dir_points_at_the_copied_node_modules():
    """scoring.toolchain reads $FARM_TOOLCHAIN_DIR as the node_modules directory itself."""
    ops = _instructions()
    stage = [i for i, (op, rest) in enumerate(ops) if op == "FROM" and rest.endswith(" AS toolchain")][0]
    workdir = next(rest for op, rest in ops[stage:] if op == "WORKDIR")
    env = " ".join(rest for op, rest in ops if op == "ENV")
    assert f"FARM_TOOLCHAIN_DIR={workdir}/node_modules" in env
    assert any(op == "COPY" and rest.split()[1:] == [workdir, workdir] for op, rest in ops if "--from=toolchain" in rest)
    assert any(op == "COPY" and "/usr/local/bin/node" in rest for op, rest in ops), "node must be on PATH at run time"


def test_entrypoint_clears_stale_metrics_and_runs_the_command(tmp_path):
    metrics = tmp_path / "farm-metrics"
    metrics.mkdir()
    (metrics / "counter_123.db").write_bytes(b"old")
    (metrics / "gauge_livesum_123.db").write_bytes(b"old")
    (metrics / "keep.txt").write_text("not ours")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    result = subprocess.run(
        ["sh", str(ENTRYPOINT), "sh", "-c", 'ls "$PROMETHEUS_MULTIPROC_DIR"; exit 7'],
        capture_output=True, text=True, env=env, timeout=30,
    )
    assert result.returncode == 7, "the command's exit status must pass through"
    assert result.stdout.split() == ["keep.txt"]

    fresh = tmp_path / "not-yet"
    result = subprocess.run(["sh", str(ENTRYPOINT), "true"], env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(fresh)}, timeout=30)
    assert result.returncode == 0 and fresh.is_dir()
