"""Writing emitted trees to disk and comparing them with reviewed golden copies."""

from __future__ import annotations

import os
from pathlib import Path

EXPECTED = Path(__file__).parent / "expected"


def write_tree(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def assert_golden(files: dict[str, str], name: str) -> None:
    """Compare emitted files with reviewed copies under expected/<name>; UPDATE_GOLDEN=1 rewrites them."""
    root = EXPECTED / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        for stale in root.rglob("*"):
            if stale.is_file() and stale.relative_to(root).as_posix() not in files:
                stale.unlink()
        write_tree(root, files)
    expected = {path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
                for path in root.rglob("*") if path.is_file()}
    assert sorted(files) == sorted(expected), "emitted file set differs from the golden files"
    for path, text in files.items():
        assert text == expected[path], f"{path} differs from tests/phases/expected/{name}/{path}"
