"""A project loaded for scoring: its tree, each TypeScript file an axis reads parsed exactly once, and
its Prisma schema read once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from scoring.parsing import FileFacts, extract
from scoring.toolchain import PrismaSchema, read_schema
from scoring.tree import ProjectTree


@dataclass(frozen=True)
class Project:
    """`facts` covers the files some axis reads (controllers, providers, structures, tests). They come
    from tree-sitter, which only gives structure: syntax errors are the compiler's to judge (gate)."""

    tree: ProjectTree
    facts: dict[str, FileFacts]

    @classmethod
    def load(cls, root: Path) -> Project:
        tree = ProjectTree.load(root)
        read = sorted({*tree.controllers, *tree.providers, *tree.structures, *tree.tests})
        return cls(tree=tree, facts={path: extract(path, tree.text(path)) for path in read})

    def of(self, paths: list[str]) -> list[FileFacts]:
        """Facts of the given files, in the given (sorted) order."""
        return [self.facts[path] for path in paths]

    @cached_property
    def prisma(self) -> PrismaSchema:
        """The schema under prisma/, read on first use: the gate validates it, the type check's client
        stub is shaped by it."""
        return read_schema({path: self.tree.text(path) for path in self.tree.prisma_schemas})
