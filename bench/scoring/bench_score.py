"""Speed of the scorer on a shopping-size project (~1,000 files), generated deterministically.

Run: `python bench/scoring/bench_score.py [--resources 95] [--repeats 5] [--keep DIR]`.
Reports medians, each beside a baseline timed in the same rounds (interleaved, so a busy machine
slows both alike): (a) start-up, `farm score` on an empty tree (it stops at once, at GATE001) against
a bare `python -c pass`; (b) the static axes alone (load + parse + five axes); (c) the whole score,
type check and Prisma validation included, against the one-shot native `tsc` check of the same tree
(`typecheck`). Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from scoring import score_tree  # noqa: E402
from scoring.project import Project  # noqa: E402
from scoring.scorer import static_axes  # noqa: E402
from scoring.toolchain import typecheck  # noqa: E402

STARTUP_TARGET_S = 0.3
STATIC_TARGET_S = 3.0
WHOLE_TARGET_S = 2.0
MODELS_PER_SCHEMA_FILE = 8


def _pascal(index: int) -> str:
    return f"ShoppingThing{index:03d}"


def _structure(i: int) -> str:
    name = _pascal(i)
    return f'''import {{ tags }} from "typia";

/** A {name} as the API returns it. */
export interface I{name} {{
  id: string & tags.Format<"uuid">;
  title: string;
  price: number;
  created_at: string & tags.Format<"date-time">;
}}
export namespace I{name} {{
  /** Creation body. */
  export interface ICreate {{
    title: string;
    price: number;
  }}

  /** Update body. */
  export interface IUpdate {{
    title?: string;
    price?: number;
  }}
}}
'''


def _provider(i: int, verb: str, action: str) -> tuple[str, str]:
    name = _pascal(i)
    function = f"{verb}Shopping{name}{'ThingId' if action in ('at', 'update', 'erase') else ''}"
    body = {
        "index": f"const rows = await MyGlobal.prisma.shopping_thing_{i:03d}.findMany({{ take: 20 }});\n"
                 f"  return rows.map((row: any) => ({{ id: row.id, title: row.title, price: row.price, created_at: String(row.created_at) }}));",
        "at": f"const row = await MyGlobal.prisma.shopping_thing_{i:03d}.findFirst({{ where: {{ id: props.id }} }});\n"
              f"  if (!row) throw new Error(\"{name} not found\");\n"
              f"  return {{ id: row.id, title: row.title, price: row.price, created_at: String(row.created_at) }};",
        "create": f"const now = new Date();\n  const row = await MyGlobal.prisma.shopping_thing_{i:03d}.create({{\n"
                  f"    data: {{ id: props.id, title: props.body.title, price: props.body.price, created_at: now }},\n  }});\n"
                  f"  return {{ id: row.id, title: row.title, price: row.price, created_at: now.toISOString() }};",
        "update": f"const found = await MyGlobal.prisma.shopping_thing_{i:03d}.findFirst({{ where: {{ id: props.id }} }});\n"
                  f"  if (!found) throw new Error(\"{name} not found\");\n"
                  f"  const row = await MyGlobal.prisma.shopping_thing_{i:03d}.update({{ where: {{ id: props.id }}, data: props.body }});\n"
                  f"  return {{ id: row.id, title: row.title, price: row.price, created_at: String(row.created_at) }};",
        "erase": f"const found = await MyGlobal.prisma.shopping_thing_{i:03d}.findFirst({{ where: {{ id: props.id }} }});\n"
                 f"  if (!found) throw new Error(\"{name} not found\");\n"
                 f"  await MyGlobal.prisma.shopping_thing_{i:03d}.delete({{ where: {{ id: props.id }} }});",
    }[action]
    body_type = {"create": f"; body: I{name}.ICreate", "update": f"; body: I{name}.IUpdate"}.get(action, "; body?: unknown")
    output = {"index": f"I{name}[]", "erase": "void"}.get(action, f"I{name}")
    text = f'''import {{ I{name} }} from "../api/structures/I{name}";
import {{ MyGlobal }} from "../MyGlobal";

/** {action} of {name}. */
export async function {function}(props: {{ id: string{body_type} }}): Promise<{output}> {{
  {body}
}}
'''
    return function, text


ACTIONS = (("patch", "index", "Patch", ""), ("get", "at", "Get", ":id"), ("post", "create", "Post", ""),
           ("put", "update", "Put", ":id"), ("delete", "erase", "Delete", ":id"))


def _controller(i: int, functions: list[str]) -> str:
    name = _pascal(i)
    imports = "".join(f'import {{ {f} }} from "../../providers/{f}";\n' for f in functions)
    methods = []
    for (_, action, decorator, path), function in zip(ACTIONS, functions):
        argument = f'"{path}"' if path else ""
        methods.append(f'''  /** {action} */
  @TypedRoute.{decorator}({argument})
  public async {action}(@TypedBody() body: any): Promise<any> {{
    try {{
      return await {function}({{ id: body.id, body }});
    }} catch (error) {{
      console.log(error);
      throw error;
    }}
  }}
''')
    return (f'import {{ Controller }} from "@nestjs/common";\nimport {{ TypedBody, TypedRoute }} from "@nestia/core";\n\n'
            f"{imports}\n/** {name} endpoints. */\n@Controller(\"/shoppings/things{i:03d}\")\n"
            f"export class {name}Controller {{\n" + "\n".join(methods) + "}\n")


def _test(i: int, action: str) -> str:
    return f'''import {{ TestValidator }} from "@nestia/e2e";

/** e2e: {action} of thing {i}. */
export async function test_api_thing_{i:03d}_{action}(connection: any): Promise<void> {{
  const api: any = {{}};
  const output = await api.functional.shoppings.things{i:03d}.{action}(connection, {{ title: "t", price: 1 }});
  TestValidator.predicate("answered", output !== undefined);
}}
'''


def _schema(first: int, count: int) -> str:
    models = []
    for i in range(first, first + count):
        models.append(f"/// Thing {i}.\nmodel shopping_thing_{i:03d} {{\n  id         String   @id @db.Uuid\n"
                      f"  title      String\n  price      Float\n  created_at DateTime @db.Timestamptz\n}}\n")
    return "\n".join(models)


def generate(root: Path, resources: int) -> int:
    """Write the project; returns its file count. Same `resources` -> same bytes."""
    files: dict[str, str] = {
        "README.md": "# Shopping\n\n## Overview\n\nA generated shopping backend for benchmarking.\n",
        "prisma/schema/main.prisma": 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
        "src/MyGlobal.ts": 'import { PrismaClient } from "@prisma/client";\n\n/** Singletons. */\n'
                           "export class MyGlobal {\n  public static readonly prisma: PrismaClient = new PrismaClient();\n}\n",
    }
    for d in range(8):
        files[f"docs/analysis/{d:02d}-section.md"] = f"# Section {d}\n\n## Rules\n\n" + "The system shall keep each order. " * 200
    for first in range(0, resources, MODELS_PER_SCHEMA_FILE):
        files[f"prisma/schema/things-{first:03d}.prisma"] = _schema(first, min(MODELS_PER_SCHEMA_FILE, resources - first))
    for i in range(resources):
        files[f"src/api/structures/I{_pascal(i)}.ts"] = _structure(i)
        functions = []
        for verb, action, _, _ in ACTIONS:
            function, text = _provider(i, verb, action)
            functions.append(function)
            files[f"src/providers/{function}.ts"] = text
        files[f"src/controllers/things/{_pascal(i)}Controller.ts"] = _controller(i, functions)
        for _, action, _, _ in ACTIONS[: 4 if i % 2 else 3]:
            files[f"test/features/api/things/test_api_thing_{i:03d}_{action}.ts"] = _test(i, action)
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return len(files)


def _medians(actions: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds of each action, run in turn within each round."""
    timings: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeats):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            timings[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in timings.items()}


def _run(*argv: str) -> None:
    subprocess.run([sys.executable, *argv], cwd=REPO, check=True, capture_output=True)


def _line(what: str, seconds: float, target: float, baseline_name: str, baseline: float, repeats: int) -> str:
    return (f"{what}: median {seconds:.2f}s over {repeats} (target <= {target:g}s); "
            f"{baseline_name} {baseline:.2f}s, ratio {seconds / baseline:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=95, help="resources; each adds ~10.5 files (default 95: ~1,000 files)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-score-") as scratch:
        root = args.keep or Path(scratch) / "project"
        empty = Path(scratch) / "empty"
        empty.mkdir()
        count = generate(root, args.resources)
        report = score_tree(root)
        startup = _medians({"python": lambda: _run("-c", "pass"),
                            "farm score": lambda: _run("-m", "farm", "score", str(empty), "--json")}, args.repeats)
        static = _medians({"static": lambda: static_axes(Project.load(root))}, args.repeats)["static"]
        whole = _medians({"tsc": lambda: typecheck(root), "whole": lambda: score_tree(root)}, args.repeats)
    print(f"files: {count}  total: {report.total}  gate: {report.gate.score}  "
          f"axes: {', '.join(f'{a.id}={a.score}' for a in report.axes)}")
    print(_line("start-up (farm score, empty tree)", startup["farm score"], STARTUP_TARGET_S,
                "bare python", startup["python"], args.repeats))
    print(f"static axes: median {static:.2f}s over {args.repeats} (target <= {STATIC_TARGET_S:g}s)")
    print(_line("whole score", whole["whole"], WHOLE_TARGET_S, "native tsc check", whole["tsc"], args.repeats))
    met = startup["farm score"] <= STARTUP_TARGET_S and static <= STATIC_TARGET_S and whole["whole"] <= WHOLE_TARGET_S
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
