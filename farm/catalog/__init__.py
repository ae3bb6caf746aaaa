"""The project catalog: the four reference requirement texts, or any user file, as a `Project`.

Rounds name projects by catalog name or by a path to a markdown/text file; the text's sha256 goes
into the manifest so a round can prove which requirements each run answered.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

_PROJECTS_DIR = Path(__file__).parent / "projects"
_CATALOG = ("todo", "reddit", "shopping", "erp")  # in growing size
_FILE_SUFFIXES = (".md", ".txt")
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class Project(BaseModel):
    """A requirements prompt and where it came from."""

    model_config = ConfigDict(frozen=True)

    name: str
    source: str  # "catalog", or the resolved path of a user file
    text: str
    sha256: str


def catalog_names() -> list[str]:
    """The reference projects, smallest first."""
    return list(_CATALOG)


def _project(name: str, source: str, path: Path) -> Project:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"project {name!r}: cannot read {path}: {exc}") from exc
    if not text.strip():
        raise ValueError(f"project {name!r}: {path} is empty")
    return Project(name=name, source=source, text=text, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def load_project(ref: str, base_dir: Path | None = None) -> Project:
    """A catalog project by name, or a user file (`.md`/`.txt`, relative to `base_dir`, else cwd).

    A file project is named after its stem, which must be a safe id (it names store paths).
    """
    if ref in _CATALOG:
        return _project(ref, "catalog", _PROJECTS_DIR / f"{ref}.md")
    if not ref.endswith(_FILE_SUFFIXES):
        raise ValueError(
            f"project {ref!r} is neither a catalog project ({', '.join(_CATALOG)}) "
            f"nor a path to a {' or '.join(_FILE_SUFFIXES)} file"
        )
    path = Path(ref).expanduser()
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    path = path.resolve()
    if not path.is_file():
        raise ValueError(f"project {ref!r}: no such file {path} (catalog projects: {', '.join(_CATALOG)})")
    if not _SAFE_ID.match(path.stem):
        raise ValueError(
            f"project {ref!r}: the file name {path.stem!r} must be a safe id [a-z0-9][a-z0-9_-]* (it names the project)"
        )
    return _project(path.stem, str(path), path)
