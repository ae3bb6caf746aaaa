"""Type-check a NestJS + Prisma project tree with the pinned native TypeScript compiler.

The project tree carries no node_modules: a throw-away tsconfig outside the tree maps bare imports
onto the pinned toolchain's packages (@nestjs/*, @nestia/*, typia, @types/node, ...) and
`@prisma/client` onto a stub shaped by the project's schema, and adds the project's own `paths`.
`typecheck` runs the `tsc` CLI in that workspace; the scorer's gate compiles in the same one
through the compiler's API (`compilation.py`).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import json_repair
from pydantic import BaseModel

from scoring.toolchain.paths import ToolchainError, node_modules_dir, tsc_binary
from scoring.toolchain.prisma_stub import prisma_client_stub


class TsDiagnostic(BaseModel):
    """One compiler diagnostic; `file` is relative to the checked root ("" for project-wide ones)."""

    file: str
    line: int
    column: int
    code: int
    category: str
    message: str


DEFAULT_INCLUDE = ["src/**/*.ts"]
_SKIPPED_DIRS = {"node_modules", "dist", "build", ".git", "coverage"}
# AutoBe's layout imports its own SDK by package name; its tsconfig maps it like this.
_AUTOBE_PATHS = {
    "@ORGANIZATION/PROJECT-api": ["./src/api"],
    "@ORGANIZATION/PROJECT-api/lib/*": ["./src/api/*"],
}
_LOCATED = re.compile(r"^(?P<file>.+?)\((?P<line>\d+),(?P<col>\d+)\): (?P<cat>error|warning|message) TS(?P<code>\d+): (?P<msg>.*)$")
_GLOBAL = re.compile(r"^(?P<cat>error|warning|message) TS(?P<code>\d+): (?P<msg>.*)$")
COMPILE_TIMEOUT_S = 600


def _source_files(root: Path, include: list[str]) -> list[str]:
    files: set[str] = set()
    for pattern in include:
        literal = (root / pattern).is_file() or not any(char in pattern for char in "*?[")
        for path in [root / pattern] if literal else root.glob(pattern):
            relative = path.relative_to(root)
            if path.is_file() and not _SKIPPED_DIRS.intersection(relative.parts[:-1]):
                files.add(relative.as_posix())
    return sorted(files)


def _project_paths(root: Path) -> dict[str, list[str]]:
    """The project's tsconfig `paths`, made absolute, over AutoBe's defaults (tsconfig may hold comments)."""
    merged = {key: [str((root / target).resolve()) for target in targets] for key, targets in _AUTOBE_PATHS.items()}
    config_file = root / "tsconfig.json"
    if not config_file.is_file():
        return merged
    config = json_repair.loads(config_file.read_text(encoding="utf-8", errors="replace"))
    options = config.get("compilerOptions", {}) if isinstance(config, dict) else {}
    paths = options.get("paths", {}) if isinstance(options, dict) else {}
    base = root / str(options.get("baseUrl", "."))
    if isinstance(paths, dict):
        for key, targets in paths.items():
            if isinstance(targets, list):
                merged[str(key)] = [str((base / str(target)).resolve()) for target in targets]
    return merged


def tsconfig_for(root: Path, files: list[str], stub_dir: Path, modules: Path) -> dict[str, Any]:
    """The compiler settings the scorer checks a tree with; the farm's checker uses the same, so a
    project the Realize phase accepts is one the gate accepts."""
    paths = _project_paths(root)
    local_client = root / "node_modules" / "@prisma" / "client"
    paths["@prisma/client"] = ([str(local_client)] if local_client.is_dir() else []) + [str(stub_dir)]
    # AutoBe's newer template generates the client into src/prisma and imports it as @prisma/sdk.
    paths["@prisma/sdk"] = [str(stub_dir)]
    # @types first: a package without its own typings (jsonwebtoken, express) would otherwise
    # resolve to its JavaScript and type as `any`.
    paths["*"] = [f"{modules}/@types/*", f"{modules}/*"]
    return {
        "compilerOptions": {
            "target": "es2022",
            "lib": ["es2023", "dom"],
            "module": "preserve",
            "moduleResolution": "bundler",
            "strict": True,
            "noEmit": True,
            "experimentalDecorators": True,
            "emitDecoratorMetadata": True,
            "esModuleInterop": True,
            "resolveJsonModule": True,
            "skipLibCheck": True,
            "types": ["node"],
            "typeRoots": [str(modules / "@types")],
            "paths": paths,
        },
        "files": [str(root / name) for name in files],
    }


def _relative(file: str, root: Path) -> str:
    path = Path(file)
    if path.is_absolute():
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def _dealias(text: str, aliases: dict[str, str]) -> str:
    """Longest path first, so a scratch file is named before the scratch dir that holds it."""
    for actual, alias in sorted(aliases.items(), key=lambda item: -len(item[0])):
        text = text.replace(actual, alias)
    return text


@dataclass(frozen=True)
class Workspace:
    """A throw-away tsconfig over a tree, and the names its machine-specific paths are reported under."""

    root: Path
    config: Path
    client_stub: Path  # the `index.d.ts` standing in for `@prisma/client`, empty until the caller writes it
    aliases: dict[str, str]

    def diagnostic(self, raw: dict[str, Any]) -> TsDiagnostic:
        """A diagnostic located by the compiler's API (absolute file, 1-based line and column) made reproducible."""
        file = _dealias(raw["file"], self.aliases)
        return TsDiagnostic(file=_relative(file, self.root) if file else "", line=raw["line"], column=raw["column"],
                            code=raw["code"], category=raw["category"], message=_dealias(raw["message"], self.aliases))


@contextmanager
def compiler_workspace(root: Path, files: list[str]) -> Iterator[Workspace]:
    """The scorer's tsconfig over `files` (relative to the resolved `root`) in a scratch directory that
    lasts as long as the context."""
    modules = node_modules_dir()
    with tempfile.TemporaryDirectory(prefix="farm-tsc-") as scratch:
        stub_dir = Path(scratch) / "prisma-client"
        stub_dir.mkdir()
        client_stub = stub_dir / "index.d.ts"
        client_stub.touch()
        config = Path(scratch) / "tsconfig.json"
        config.write_text(json.dumps(tsconfig_for(root, files, stub_dir, modules), indent=1), encoding="utf-8")
        aliases = {f"{stub_dir}/index": "@prisma/client", str(stub_dir): "@prisma/client",
                   str(modules): "node_modules", f"{root}/": ""}
        yield Workspace(root=root, config=config, client_stub=client_stub, aliases=aliases)


def parse_tsc_output(text: str, root: Path, aliases: dict[str, str] | None = None) -> list[TsDiagnostic]:
    """Parse `tsc --pretty false` output; indented continuation lines extend the previous message.

    `aliases` rewrites machine-specific paths (scratch dir, toolchain dir) so messages are reproducible.
    """
    text = _dealias(text, aliases or {})
    diagnostics: list[TsDiagnostic] = []
    for line in text.splitlines():
        located = _LOCATED.match(line)
        global_ = None if located else _GLOBAL.match(line)
        if located:
            diagnostics.append(TsDiagnostic(
                file=_relative(located.group("file"), root), line=int(located.group("line")),
                column=int(located.group("col")), code=int(located.group("code")),
                category=located.group("cat"), message=located.group("msg"),
            ))
        elif global_:
            diagnostics.append(TsDiagnostic(
                file="", line=0, column=0, code=int(global_.group("code")),
                category=global_.group("cat"), message=global_.group("msg"),
            ))
        elif line.startswith(" ") and diagnostics:
            diagnostics[-1].message += "\n" + line.strip()
    return sort_diagnostics(diagnostics)


def sort_diagnostics(diagnostics: list[TsDiagnostic]) -> list[TsDiagnostic]:
    """By file, line, column, code and message: one order whatever order the compiler found them in."""
    return sorted(diagnostics, key=lambda d: (d.file, d.line, d.column, d.code, d.message))


def typecheck(root: Path, *, include: list[str] | None = None) -> list[TsDiagnostic]:
    """Type-check a project tree as the native `tsc` CLI does (which reports only syntax errors while
    any file has one), without needing a node_modules inside root: the pinned toolchain supplies
    @nestjs/*, @nestia/*, typia, node types, ..., and a stub shaped by the tree's Prisma schema
    stands in for `@prisma/client`.

    `include`: glob patterns or literal paths relative to root (default `src/**/*.ts`); files they
    import are checked too. Returns diagnostics sorted by file, line, column, code.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise ValueError(f"typecheck root {root} is not a directory")
    files = _source_files(root, include or DEFAULT_INCLUDE)
    if not files:
        return []
    with compiler_workspace(root, files) as workspace:
        workspace.client_stub.write_text(prisma_client_stub(root), encoding="utf-8")
        try:
            done = subprocess.run(
                [str(tsc_binary()), "-p", str(workspace.config), "--pretty", "false"],
                cwd=root, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ToolchainError(f"tsc timed out after {COMPILE_TIMEOUT_S}s on {root}") from exc
    if done.returncode not in (0, 1, 2):
        raise ToolchainError(f"tsc crashed (exit {done.returncode}): {done.stderr.strip()[:2000]}")
    return parse_tsc_output(done.stdout, root, workspace.aliases)
