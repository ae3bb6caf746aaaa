"""The project `farm demo --project NAME` plays: todo's hand-written book, or a generated one.

A generated project (reddit, shopping, erp) is answered by a farm.sim.bookgen book of its size,
served by the embedded simulator as that project's book. Its round names it by a requirements file
in the cached book's `project/` directory (the catalog's text headed by its origin, so its sha256 is
its own), not by catalog name: a catalog project's Golden Set suite tests the API of the real
requirements, which the generated one does not have. Beside that file go the generated book's own
suite, `<name>.scenarios.yaml` (farm.sim.bookgen.suite: auth, crud, query, negative and workflow
scenarios of the generated API, from the same spec as the book), and the analysis it cites,
`<name>.analysis.md`; so the verify job (`suite_of`) and `farm verify --project <name>.md` play that
suite against the generated backend before its own e2e tests, and the run gets a golden axis as a
catalog project's does. (A directory of their own: the simulator reads every `*.yaml` of the book's.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from farm.catalog import catalog_names, load_project

if TYPE_CHECKING:
    from farm.manifest import ProjectEntry

HAND_WRITTEN = "todo"
PROJECT_DIR = "project"  # in a generated book's directory: the requirements file, its suite and analysis


DEMO_ROUND = Path(__file__).resolve().parent / "demo_round.yaml"
# What `farm demo --repeats N` and `--variants` add to the demo round.
DEMO_REPEATS = Path(__file__).resolve().parent / "demo_repeats.yaml"


@dataclass(frozen=True)
class DemoProject:
    ref: str  # what the round file's `projects` names: a catalog name or a requirements file
    books: dict[str, Path]  # project -> book directory, for the simulator (none: the scripts' own)


def round_data(data: dict[str, Any], projects: list[DemoProject], repeats: int = 1,
               variants: bool = False) -> dict[str, Any]:
    """The demo round file's data on these projects. With a generated one it runs without the round
    budget, sized for todo: a generated project's simulated cost grows with its size (dollars at
    shopping's). With repeats, a stochastic model joins, so repeats differ; with variants, every
    model also runs under the demo's second set of harness settings."""
    generated = any(project.books for project in projects)
    data = {**data, "projects": [project.ref for project in projects],
            "budgets": {} if generated else data.get("budgets", {})}
    extras = yaml.safe_load(DEMO_REPEATS.read_text(encoding="utf-8"))
    if repeats > 1:
        data |= {"models": [*data["models"], *extras["models"]], "repeats": repeats,
                 "description": extras["description"]}
    if variants:
        data["variants"] = extras["variants"]
    runs = repeats * (len(extras["variants"]) if variants else 1)  # per model and project
    if runs > 1 and not generated:
        data["budgets"] = {"round_usd": round(data["budgets"]["round_usd"] * extras["budget_factor"] * runs, 2)}
    return data


def demo_projects(names: list[str], size: str | None = None) -> list[DemoProject]:
    """The projects `farm demo --project NAME ...` plays; `size` applies to the generated ones."""
    if size is not None and all(name == HAND_WRITTEN for name in names):
        raise ValueError(f"{HAND_WRITTEN}'s answers are hand-written: it has no other size")
    if len(set(names)) != len(names):
        raise ValueError(f"a project is named twice: {', '.join(names)}")
    return [demo_project(name, None if name == HAND_WRITTEN else size) for name in names]


def demo_project(name: str, size: str | None = None) -> DemoProject:
    """`size` (a bookgen preset name) shrinks or grows a generated project; default: its own size."""
    generated = [project for project in catalog_names() if project != HAND_WRITTEN]
    if name == HAND_WRITTEN:
        if size is not None:
            raise ValueError(f"{HAND_WRITTEN}'s answers are hand-written: it has no other size")
        return DemoProject(HAND_WRITTEN, {})
    if name not in generated:
        raise ValueError(f"the demo plays {HAND_WRITTEN} or a generated {', '.join(generated)}, not {name!r}")
    # the generator only when a generated project is asked for
    from farm.sim.bookgen.cache import book_spec, cached_book
    from farm.sim.bookgen.suite import write_golden_suite
    from runtime.scenarios.suite import SUITE_SUFFIX

    book = cached_book(name, size or name)
    requirements = book / PROJECT_DIR / f"{name}.md"
    requirements.parent.mkdir(exist_ok=True)
    if not requirements.is_file():
        origin = f"<!-- {name} of the catalog, answered by the generated book {book.name} (farm demo) -->\n"
        requirements.write_text(origin + load_project(name).text, encoding="utf-8")
    if not requirements.with_name(name + SUITE_SUFFIX).is_file():
        write_golden_suite(book_spec(name, size or name), requirements, f"the generated book {book.name}")
    return DemoProject(str(requirements), {name: book})


def generated_books(projects: Mapping[str, ProjectEntry]) -> dict[str, Path]:
    """The books of a round's generated projects (their requirements file sits in one's `project/`,
    or, in rounds from before the Golden suites, in the book's directory itself): what the embedded
    simulator must serve again when the round is resumed."""
    from farm.sim.bookgen.cache import cache_root

    root = cache_root().resolve()
    found = {}
    for name, entry in projects.items():
        if entry.source != "catalog":
            source = Path(entry.source)
            found |= {name: book for book in (source.parent.parent, source.parent) if book.parent == root}
    return found
