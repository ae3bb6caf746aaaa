"""A project loaded for scoring: its tree, and each TypeScript file parsed exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scoring.parsing import FileFacts, extract, syntax_error_line
from scoring.tree import ProjectTree


@dataclass(frozen=True)
class Project:
    """`facts` covers the files some axis reads (controllers, providers, structures, tests);
    `syntax_errors` maps each `src/` file with a syntax error to the first such line."""

    tree: ProjectTree
    facts: dict[str, FileFacts]
    syntax_errors: dict[str, int]

    @classmethod
    def load(cls, root: Path) -> Project:
        tree = ProjectTree.load(root)
        read = sorted({*tree.controllers, *tree.providers, *tree.structures, *tree.tests})
        facts = {path: extract(path, tree.text(path)) for path in read}
        syntax_errors: dict[str, int] = {}
        for path in tree.src_ts:
            line = facts[path].syntax_error_line if path in facts else syntax_error_line(tree.text(path))
            if line is not None:
                syntax_errors[path] = line
        return cls(tree=tree, facts=facts, syntax_errors=syntax_errors)

    def of(self, paths: list[str]) -> list[FileFacts]:
        """Facts of the given files, in the given (sorted) order."""
        return [self.facts[path] for path in paths]
