"""Speed of type checks on the todo project (all five phases from the simulator's book, ~60 files).

Run: `python bench/typecheck/bench_recheck.py [--repeats 7] [--out bench/results/typecheck.json]`.
Medians of:
- one-shot: the scorer's `typecheck(root)`, a fresh native tsc per call (the cold baseline);
- live cold: starting a `ProjectChecker` (scratch tree, Prisma stub, compiler) plus its first
  whole-project check;
- live warm: after one provider is edited (alternately broken and fixed), re-checking that file
  (what a Realize correction costs), and re-checking the whole project.
Exits 1 when the warm re-check misses its target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scoring.toolchain import typecheck  # noqa: E402
from tests.phases.fixture_context import FixtureContext, phase_answers  # noqa: E402
from tests.phases.trees import write_tree  # noqa: E402
from workers.phases.registry import phase_for  # noqa: E402
from workers.typecheck import ProjectChecker  # noqa: E402

WARM_TARGET_S = 5.0
EDITED = "src/providers/getTodos.ts"
BREAK = ("const page = props.query.page ?? 1;", "const page = props.query.page;")


def todo_tree() -> dict[str, str]:
    """Every file the five phases emit for the book's todo answers."""
    priors: dict[str, dict] = {}
    files: dict[str, str] = {}
    for name in ("analyze", "database", "interface", "test", "realize"):
        output = phase_for(name).run(FixtureContext(priors=dict(priors), answers=phase_answers("todo", name)))
        priors[name] = output.ast
        files.update(output.files)
    return files


def median_s(repeats: int, action: Callable[[int], object]) -> float:
    times = []
    for index in range(repeats):
        started = time.perf_counter()
        action(index)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "results" / "typecheck.json")
    args = parser.parse_args()
    files = todo_tree()
    fixed = files[EDITED]
    broken = fixed.replace(*BREAK)
    assert broken != fixed, "the edit no longer applies to the book's provider"
    results: dict[str, object] = {"files": len(files), "ts_files": sum(p.endswith(".ts") for p in files)}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        write_tree(root, files)
        results["one_shot_full_s"] = median_s(args.repeats, lambda _: typecheck(root))

    def cold(_: int) -> None:
        with ProjectChecker(files) as checker:
            checker.check()

    results["live_cold_s"] = median_s(args.repeats, cold)
    with ProjectChecker(files) as checker:
        checker.check()
        results["live_warm_file_s"] = median_s(args.repeats * 3,
                                               lambda i: checker.try_file(EDITED, broken if i % 2 == 0 else fixed))
        results["live_warm_full_s"] = median_s(
            args.repeats * 3, lambda i: (checker.write({EDITED: broken if i % 2 == 0 else fixed}), checker.check()))
    met = results["live_warm_file_s"] <= WARM_TARGET_S  # type: ignore[operator]
    results["targets"] = {f"live_warm_file_s<={WARM_TARGET_S:g}": met}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
