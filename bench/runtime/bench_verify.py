"""Speed of a verify on a todo-size backend: warm (the shared npm install in place) and cold.

Run: `python bench/runtime/bench_verify.py [--run RUN_DIR] [--repeats 5]`. Without `--run` it makes
one with `farm demo` (the clean model's todo run). Reports, over the repeats, the median of each
step and of the whole warm verify; beside it, timed in the same rounds (interleaved, so a busy
machine slows both alike), the baseline a verify without the shared install would pay first: a
per-tree `npm ci` from the same warm npm download cache. One cold verify (an empty install cache:
downloads included) is reported once. Exits 1 when the warm verify misses its target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from farm.postgres_server import PostgresServer  # noqa: E402
from runtime.cli import npm_cache_dir  # noqa: E402
from runtime.report import RuntimeReport  # noqa: E402
from runtime.verify import Source, verify  # noqa: E402

WARM_TARGET_S = 60.0


def _demo_run(workdir: Path) -> Path:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FARM_")}
    subprocess.run([sys.executable, "-m", "farm", "demo"], cwd=workdir, env=env, check=True, capture_output=True,
                   timeout=600)
    (run,) = workdir.glob("farm-store/rounds/demo-*/runs/sim/clean/todo")
    return run


def _verify(run: Path, postgres: PostgresServer, cache: Path) -> RuntimeReport:
    report = verify(Source.find(run), postgres, npm_cache=cache)
    if not report.boots:
        raise SystemExit(f"the backend did not verify: {report.reason}")
    return report


def _naive_install(run: Path, cache: Path) -> float:
    """`npm ci` into a copy of the tree, from the warm download cache: what each verify would pay alone."""
    with tempfile.TemporaryDirectory(prefix="bench-npm-") as scratch:
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(run / "tree" / name, Path(scratch) / name)
        started = time.perf_counter()
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline",
                        "--loglevel=error", f"--cache={cache / 'npm'}"], cwd=scratch, check=True,
                       capture_output=True, timeout=900)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a run directory (tree/, database/ast.json); default: farm demo's")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as scratch, PostgresServer() as postgres:
        run = args.run or _demo_run(Path(scratch))
        cold = _verify(run, postgres, Path(scratch) / "cold-cache")
        warm_cache = npm_cache_dir()
        _verify(run, postgres, warm_cache)  # the shared install in place before timing
        reports, baselines = [], []
        for _ in range(args.repeats):
            reports.append(_verify(run, postgres, warm_cache))
            baselines.append(_naive_install(run, warm_cache))
    load = os.getloadavg()[0]
    print(f"verify of {run.name} ({reports[0].isolation} isolation), medians of {args.repeats}, load {load:.1f}:")
    for step in [s.step for s in reports[0].steps]:
        times = [next(s.seconds for s in r.steps if s.step == step) for r in reports]
        print(f"  {step:<13} {statistics.median(times):6.2f} s")
    warm = statistics.median(r.seconds for r in reports)
    naive = statistics.median(baselines)
    print(f"  warm verify   {warm:6.2f} s   (target <= {WARM_TARGET_S:.0f} s)")
    print(f"  baseline: per-tree npm ci alone {naive:6.2f} s; warm verify / that = {warm / naive:.2f}")
    print(f"  cold verify   {cold.seconds:6.2f} s   (install {cold.steps[0].seconds:.2f} s, downloads included)")
    golden, e2e = reports[0].golden, reports[0].e2e
    print(f"  golden {golden.passed}/{golden.total}, e2e {e2e.passed}/{e2e.total}")
    return 0 if warm <= WARM_TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
