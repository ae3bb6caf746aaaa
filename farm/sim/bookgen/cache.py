"""Generated books on disk, written once and reused: shopping's takes seconds to generate.

A book is keyed by its project vocabulary, size preset and seed, and by a digest of the generator's
own source, so a changed generator never serves a stale book (the phases' planners it calls are not
hashed: after changing how a phase names its operations, empty the cache). It lives under
`$XDG_CACHE_HOME/benchfarm/books` (default `~/.cache`), as `<phase>.yaml` files with the fault
variants the learner and stubborn scripts play (`faults`), ready for the simulator's `project_books`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

from farm.sim.bookgen.book import generate, write_book
from farm.sim.bookgen.faults import fault_variants
from farm.sim.bookgen.spec import PRESETS, Spec

_SOURCES = Path(__file__).parent


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "benchfarm" / "books"


@cache
def generator_digest() -> str:
    """What the generator's source says, in 12 hex digits."""
    digest = hashlib.sha256()
    for path in sorted(_SOURCES.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def book_spec(project: str, size: str, seed: int = 0) -> Spec:
    """The spec of the book of `project`'s vocabulary at preset `size`'s size."""
    if size not in PRESETS:
        raise ValueError(f"unknown size {size!r} (known: {', '.join(PRESETS)})")
    return Spec(project=project, size=PRESETS[size][1], seed=seed)


def cached_book(project: str, size: str, seed: int = 0) -> Path:
    """The directory of the book of `project`'s vocabulary at preset `size`'s size, written if absent."""
    spec = book_spec(project, size, seed)
    directory = cache_root() / f"{project}-{size}-{seed}-{generator_digest()}"
    if directory.is_dir():
        return directory
    book = generate(spec)
    directory.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory.parent) as tmp:  # complete or absent, never half-written
        write_book({**book, **fault_variants(book)}, Path(tmp), "book", f"{project} at size {size}, seed {seed}")
        try:
            (Path(tmp) / "book").rename(directory)
        except OSError:  # another command wrote it meanwhile
            if not directory.is_dir():
                raise
    return directory
