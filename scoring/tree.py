"""The project tree as the rubric sees it: which files exist, with which role, after the ignore rules."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import json_repair
import pathspec

IGNORED_DIRS = frozenset({"node_modules", "dist", "build", ".git", "coverage"})


def _ignore_spec(root: Path) -> pathspec.GitIgnoreSpec:
    """Root .gitignore patterns plus the root tsconfig `exclude` entries (anchored at the root)."""
    lines: list[str] = []
    gitignore = root / ".gitignore"
    if gitignore.is_file():
        lines.extend(gitignore.read_text(encoding="utf-8", errors="replace").splitlines())
    tsconfig = root / "tsconfig.json"
    if tsconfig.is_file():
        config = json_repair.loads(tsconfig.read_text(encoding="utf-8", errors="replace"))
        excluded = config.get("exclude", []) if isinstance(config, dict) else []
        if isinstance(excluded, list):
            lines.extend("/" + str(entry).removeprefix("./").lstrip("/") for entry in excluded if str(entry).strip())
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _walk(root: Path) -> list[str]:
    spec = _ignore_spec(root)
    found: list[str] = []
    for directory, subdirs, files in os.walk(root):
        relative_dir = Path(directory).relative_to(root).as_posix()
        prefix = "" if relative_dir == "." else relative_dir + "/"
        subdirs[:] = [d for d in subdirs if d not in IGNORED_DIRS and not spec.match_file(prefix + d + "/")]
        for name in files:
            relative = prefix + name
            if not name.endswith(".d.ts") and not spec.match_file(relative):
                found.append(relative)
    return sorted(found)


def _under(files: list[str], prefix: str, suffixes: tuple[str, ...]) -> list[str]:
    return [f for f in files if f.startswith(prefix) and f.endswith(suffixes)]


@dataclass
class ProjectTree:
    """Files of one project (posix paths relative to `root`, sorted) grouped by their rubric role."""

    root: Path
    files: list[str]
    _texts: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, root: Path) -> ProjectTree:
        root = Path(root)
        if not root.is_dir():
            raise ValueError(f"project root {root} is not a directory")
        return cls(root=root, files=_walk(root))

    def text(self, relative: str) -> str:
        """File text, read once; undecodable bytes are replaced rather than failing the score."""
        if relative not in self._texts:
            self._texts[relative] = (self.root / relative).read_text(encoding="utf-8", errors="replace")
        return self._texts[relative]

    @cached_property
    def src_ts(self) -> list[str]:
        return _under(self.files, "src/", (".ts",))

    @cached_property
    def controllers(self) -> list[str]:
        return _under(self.files, "src/controllers/", (".ts",))

    @cached_property
    def providers(self) -> list[str]:
        return _under(self.files, "src/providers/", (".ts",))

    @cached_property
    def structures(self) -> list[str]:
        return _under(self.files, "src/api/structures/", (".ts",))

    @cached_property
    def tests(self) -> list[str]:
        return _under(self.files, "test/features/api/", (".ts",))

    @cached_property
    def analysis_docs(self) -> list[str]:
        return _under(self.files, "docs/analysis/", (".md", ".json"))

    @cached_property
    def docs(self) -> list[str]:
        """Analysis documents plus the ERD."""
        return sorted(self.analysis_docs + [f for f in self.files if f == "docs/ERD.md"])

    @cached_property
    def readme(self) -> str | None:
        return next((f for f in self.files if "/" not in f and f.lower() == "readme.md"), None)

    @cached_property
    def prisma_schemas(self) -> list[str]:
        nested = _under(self.files, "prisma/schema/", (".prisma",))
        return nested or [f for f in self.files if f.startswith("prisma/") and f.count("/") == 1 and f.endswith(".prisma")]
