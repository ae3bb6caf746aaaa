"""The image definition: lint, build context, entrypoint behaviour. (No Docker engine here, so
the image itself is not built; these catch what can be caught without one.)"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import tomllib

from tests.deploy.deploytools import DEPLOY, REPO, find_tool, run

DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
ENTRYPOINT = DEPLOY / "docker" / "entrypoint.sh"
FARM_PACKAGES = REPO / "scripts" / "packages.txt"  # the Debian packages `farm` itself needs


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


def _stage(name: str) -> list[tuple[str, str]]:
    """The instructions of the stage `FROM … AS name`, or of the last stage for name=None."""
    ops = _instructions()
    starts = [i for i, (op, rest) in enumerate(ops) if op == "FROM"]
    start = max(starts) if name is None else next(i for i in starts if ops[i][1].endswith(f" AS {name}"))
    end = next((i for i in starts if i > start), len(ops))
    return ops[start + 1:end]


def test_every_python_package_goes_into_the_image():
    """`pip install .` in the python stage installs what pyproject finds there: each package must be copied."""
    found = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in found}
    copied = {rest.split()[0] for op, rest in _stage("python") if op == "COPY"}
    assert packages <= copied, f"not copied into the python stage: {sorted(packages - copied)}"


def _listed_packages() -> set[str]:
    lines = FARM_PACKAGES.read_text().splitlines()
    return {line.split("#")[0].strip() for line in lines} - {""}


def test_runtime_stage_has_what_the_runtime_worker_runs():
    """PostgreSQL (without the package's own cluster: each worker process initdb's one), python3, npm.
    The sandbox's setpriv, prlimit, unshare and nsenter come with util-linux, essential in Debian."""
    runs = " ".join(rest for op, rest in _stage(None) if op == "RUN")
    installs = re.findall(r"apt-get install -y --no-install-recommends ([^&]+)", runs)
    installed = {package for install in installs for package in install.split()}
    assert {"postgresql", "python3"} <= _listed_packages() <= installed, f"not installed: {_listed_packages() - installed}"
    no_cluster = runs.index(r"s/#(create_main_cluster) .*$/\1 = false/' /etc/postgresql-common/createcluster.conf")
    assert installs[0].split() == ["tini", "postgresql-common"] and no_cluster < runs.index(installs[1])
    copies = [rest for op, rest in _stage(None) if op == "COPY"]
    assert "--from=toolchain /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm" in copies
    assert "ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm" in runs, "npm must be on PATH"


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


def test_entrypoint_makes_a_missing_tmpdir(tmp_path):
    """Python falls back to /tmp without it: another file system than the runtime worker's npm installs."""
    tmpdir = tmp_path / "volume" / "tmp"
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    result = subprocess.run(["sh", str(ENTRYPOINT), "sh", "-c", 'python3 -c "import tempfile; print(tempfile.gettempdir())"'],
                            capture_output=True, text=True, env={**env, "TMPDIR": str(tmpdir)}, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmpdir)
