"""One shared npm install per dependency set, hard-linked into every project that uses it.

Every generated project has the scaffold's manifest and lockfile, so installing each one from the
registry (or even from npm's cache) would copy the same ~360 MB again: `npm ci --prefer-offline`
from a warm cache takes 13-16 s on two cores, a hard-linked copy of a finished install 0.7 s.
The shared install is keyed by the dependency set (not the project name), built once under a file
lock, renamed into place only when complete, and never run with install scripts: Prisma's would
download engines, which the Rust-free client and our own schema DDL do not need.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "package.json"
LOCKFILE = "package-lock.json"
_DEPENDENCY_KEYS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


@dataclass(frozen=True)
class Completed:
    """How a command ended: its exit status (None when killed at its timeout) and its combined output."""

    returncode: int | None
    output: str


# The seam every command goes through: (argv, cwd, env, timeout in seconds) -> Completed.
Run = Callable[[Sequence[str], Path, Mapping[str, str], float], Completed]


@dataclass(frozen=True)
class SharedInstall:
    """A finished install (`modules` is its node_modules); `completed` is None when it was already there."""

    modules: Path
    completed: Completed | None


def _without_names(lock: dict[str, Any]) -> dict[str, Any]:
    """The lockfile's package graph minus the project's own name and version, which differ per project."""
    packages = dict(lock.get("packages", {}))
    root = {key: value for key, value in packages.get("", {}).items() if key not in ("name", "version")}
    packages[""] = root
    return packages


def dependency_key(project: Path) -> str:
    """A digest of what an install of `project` contains: its declared dependencies and its lockfile's graph."""
    manifest = json.loads((project / MANIFEST).read_text(encoding="utf-8"))
    declared = {key: manifest.get(key, {}) for key in _DEPENDENCY_KEYS}
    lockfile = project / LOCKFILE
    graph = _without_names(json.loads(lockfile.read_text(encoding="utf-8"))) if lockfile.is_file() else None
    text = json.dumps({"declared": declared, "graph": graph}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on `path` so concurrent callers build one install, not several."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _npm_argv(npm: str, cache: Path, locked: bool) -> list[str]:
    verb = "ci" if locked else "install"
    return [npm, verb, "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error",
            f"--cache={cache}"]


def _stage(project: Path, staging: Path) -> bool:
    """Copies the manifest (and lockfile, if any) into an empty `staging`; True when there is a lockfile."""
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    shutil.copy2(project / MANIFEST, staging / MANIFEST)
    locked = (project / LOCKFILE).is_file()
    if locked:
        shutil.copy2(project / LOCKFILE, staging / LOCKFILE)
    return locked


def shared_install(project: Path, cache_dir: Path, run: Run, env: Mapping[str, str], timeout: float) -> SharedInstall:
    """The shared install for `project`'s dependencies, made with npm under `cache_dir` if missing.

    On failure `modules` does not exist and `completed` holds npm's exit status and output.
    """
    root = cache_dir / "installs"
    root.mkdir(parents=True, exist_ok=True)
    key = dependency_key(project)
    final = root / key
    with _locked(root / f"{key}.lock"):
        if (final / "node_modules").is_dir():
            return SharedInstall(final / "node_modules", None)
        staging = root / f"{key}.staging"
        locked = _stage(project, staging)
        npm = shutil.which("npm") or "npm"
        completed = run(_npm_argv(npm, cache_dir / "npm", locked), staging, env, timeout)
        if completed.returncode == 0 and (staging / "node_modules").is_dir():
            staging.rename(final)
        else:
            shutil.rmtree(staging, ignore_errors=True)
        return SharedInstall(final / "node_modules", completed)


def _link_or_copy(source: str, target: str) -> None:
    """A hard link where the file system allows one, a copy across file systems."""
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            raise
        shutil.copy2(source, target)


def link_modules(modules: Path, project: Path) -> None:
    """Gives `project` its own node_modules whose files are hard links into the shared install.

    The directories are the project's own, so `prisma generate` writes the project's client into
    node_modules/.prisma without touching the shared install. A linked file is the shared file:
    it stays safe only while the project's commands run as a user who does not own it, so hand the
    tree to such a user by its directories, never by a recursive chown of node_modules.
    """
    target = project / "node_modules"
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    shutil.copytree(modules, target, symlinks=True, copy_function=_link_or_copy)
