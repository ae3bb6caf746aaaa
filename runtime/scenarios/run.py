"""Command line: play a suite against a running server and print the result.

    python -m runtime.scenarios.run --base-url http://127.0.0.1:37001 --openapi tree/openapi.json \\
        --suite todo --json [--seed admin.email=a@x.io --seed admin.password=...] [--seeds seeds.json]

Made to run as a subprocess (for example inside a network namespace with the server): it needs
nothing but the URL, the document and the suite, and prints one JSON object on stdout with
`--json`. Exit status 0 whenever the suite ran (whatever its verdicts), 2 when it could not start.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from runtime.scenarios.runner import REQUEST_TIMEOUT, SUITE_DEADLINE, run_suite
from runtime.scenarios.suite import load_suite


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m runtime.scenarios.run", description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="the server under test, e.g. http://127.0.0.1:37001")
    parser.add_argument("--openapi", required=True, type=Path, help="the project's openapi.json")
    parser.add_argument("--suite", required=True, help="built-in suite name, a suite file, or a project's .md")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    parser.add_argument("--seed", action="append", default=[], metavar="NAME=VALUE",
                        help="a seeded variable (repeatable), e.g. admin.email=root@example.com")
    parser.add_argument("--seeds", type=Path, help="a JSON object of seeded variables")
    parser.add_argument("--only", help="comma-separated scenario ids")
    parser.add_argument("--timeout", type=float, default=REQUEST_TIMEOUT, help="seconds per request")
    parser.add_argument("--deadline", type=float, default=SUITE_DEADLINE, help="seconds for the whole suite")
    return parser.parse_args(argv)


def _seeds(args: argparse.Namespace) -> dict[str, Any]:
    seeds: dict[str, Any] = json.loads(args.seeds.read_text(encoding="utf-8")) if args.seeds else {}
    for pair in args.seed:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--seed {pair!r}: expected NAME=VALUE")
        seeds[name] = value
    return seeds


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        suite = load_suite(args.suite)
        openapi = json.loads(args.openapi.read_text(encoding="utf-8"))
        seeds = _seeds(args)
    except (OSError, ValueError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    only = [s.strip() for s in args.only.split(",")] if args.only else None
    result = run_suite(args.base_url, openapi, suite, seeds=seeds, timeout=args.timeout,
                       deadline=args.deadline, only=only)
    if args.json:
        print(result.model_dump_json(indent=1))
        return 0
    for scenario in result.scenarios:
        print(f"{scenario.verdict:<18} {scenario.category:<9} {scenario.id}"
              + (f"\n{'':<29}{scenario.message}" if scenario.message else ""))
    totals = result.totals
    print(f"{result.suite}: {totals.passed}/{totals.total} passed, {totals.failed} failed, "
          f"{totals.endpoint_not_found} endpoint_not_found, {totals.error} error, {totals.skipped} skipped "
          f"in {result.seconds:.1f}s" + (f" (aborted: {result.aborted})" if result.aborted else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
