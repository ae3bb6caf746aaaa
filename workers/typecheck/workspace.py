"""A project tree in a scratch directory with a live compiler over it: write, re-check, repeat.

The compiler settings are the scorer's own (same typings, same `@prisma/client` stub built from the
tree's schema), so a file our phases accept is a file the scorer's type check accepts. Only the
file list differs: `include` globs instead of a fixed list, so files can come and go.
"""

from __future__ import annotations

import json
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from scoring.toolchain import TsDiagnostic, node_modules_dir
from scoring.toolchain.prisma_stub import prisma_client_stub
from scoring.toolchain.typescript import tsconfig_for
from workers.typecheck.server import TsServer

SOURCES = ("src/**/*.ts",)


@dataclass
class CheckResult:
    """Diagnostics (paths relative to the tree) and, per checked file, its count of top-level statements."""

    diagnostics: list[TsDiagnostic]
    statements: dict[str, int] = field(default_factory=dict)


class ProjectChecker:
    """Holds `files` on disk and a compiler over those matching `include`; thread-safe; close it.

    The compiler starts in the background (it takes a second or so): a phase's first operations
    wait for their model's answers meanwhile, and only the first check waits for the compiler.
    """

    def __init__(self, files: Mapping[str, str], include: Sequence[str] = SOURCES) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="farm-check-")
        base = Path(self._scratch.name).resolve()
        self.root = base / "project"
        self._lock = threading.Lock()
        self._files: dict[str, str] = {}
        try:
            self._store(files)
        except BaseException:
            self._scratch.cleanup()
            raise
        self._starting = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checker-start")
        self._started = self._starting.submit(self._start, base, include)
        self._starting.shutdown(wait=False)

    @property
    def _server(self) -> TsServer:
        """The compiler, once started (raises what starting it raised)."""
        return self._started.result()

    def _start(self, base: Path, include: Sequence[str]) -> TsServer:
        """The Prisma stub for the tree's schema, the scorer's tsconfig over `include`, the compiler."""
        stub_dir = base / "prisma-client"
        stub_dir.mkdir()
        (stub_dir / "index.d.ts").write_text(prisma_client_stub(self.root), encoding="utf-8")
        modules = node_modules_dir()
        config = tsconfig_for(self.root, [], stub_dir, modules)
        del config["files"]
        config["include"] = [f"{self.root}/{pattern}" for pattern in include]
        tsconfig = base / "tsconfig.json"
        tsconfig.write_text(json.dumps(config, indent=1), encoding="utf-8")
        aliases = {f"{stub_dir}/index": "@prisma/client", str(stub_dir): "@prisma/client",
                   str(modules): "node_modules", f"{self.root}/": ""}
        self._aliases = sorted(aliases.items(), key=lambda item: -len(item[0]))
        return TsServer(tsconfig)

    # ---- the tree
    @property
    def files(self) -> dict[str, str]:
        with self._lock:
            return dict(self._files)

    def write(self, files: Mapping[str, str]) -> None:
        with self._lock:
            self._write(files)

    def sync(self, files: Mapping[str, str]) -> None:
        """Make the tree exactly `files`: write what differs, delete what is absent."""
        with self._lock:
            self._delete([path for path in self._files if path not in files])
            self._write(files)

    def _store(self, files: Mapping[str, str]) -> tuple[list[str], list[str]]:
        created, changed = [], []
        for relative, text in files.items():
            if self._files.get(relative) == text:
                continue
            target = self._path(relative)
            (changed if relative in self._files else created).append(str(target))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            self._files[relative] = text
        return created, changed

    def _write(self, files: Mapping[str, str]) -> None:
        created, changed = self._store(files)
        if created or changed:
            self._server.request({"method": "update", "created": created, "changed": changed})

    def _delete(self, paths: Iterable[str]) -> None:
        deleted = []
        for relative in paths:
            self._path(relative).unlink()
            del self._files[relative]
            deleted.append(str(self._path(relative)))
        if deleted:
            self._server.request({"method": "update", "deleted": deleted})

    def _path(self, relative: str) -> Path:
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root):
            raise ValueError(f"refusing a path outside the tree: {relative!r}")
        return target

    # ---- checking
    def check(self, paths: Sequence[str] | None = None) -> CheckResult:
        """Diagnostics of `paths` (each must match `include`), or of the whole program when None."""
        with self._lock:
            return self._check(paths)

    def try_file(self, path: str, text: str) -> CheckResult:
        """Write one file and check it, as one step: concurrent callers never see each other's halves."""
        with self._lock:
            self._write({path: text})
            return self._check([path])

    def _check(self, paths: Sequence[str] | None) -> CheckResult:
        files = None if paths is None else [str(self._path(p)) for p in paths]
        answer = self._server.request({"method": "check", "files": files})
        diagnostics = [self._diagnostic(raw) for raw in answer["diagnostics"]]
        statements = {self._relative(file): count for file, count in answer["statements"].items()}
        return CheckResult(sorted(diagnostics, key=lambda d: (d.file, d.line, d.column, d.code, d.message)), statements)

    def _relative(self, file: str) -> str:
        path = Path(file)
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else self._alias(file)

    def _alias(self, text: str) -> str:
        for actual, alias in self._aliases:
            text = text.replace(actual, alias)
        return text

    def _diagnostic(self, raw: dict[str, Any]) -> TsDiagnostic:
        file = str(raw["file"])
        return TsDiagnostic(file=self._relative(file) if file else "", line=int(raw["line"]),
                            column=int(raw["column"]), code=int(raw["code"]),
                            category=str(raw["category"]), message=self._alias(str(raw["message"])))

    # ---- lifecycle
    def close(self) -> None:
        try:
            if self._started.exception() is None:  # waits for a start still under way
                self._server.close()
        finally:
            self._scratch.cleanup()

    def __enter__(self) -> ProjectChecker:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
