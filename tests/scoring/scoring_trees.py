"""Builders of small project trees in the AutoBe layout for the scoring tests."""

from __future__ import annotations

from pathlib import Path

SCHEMA = {
    "prisma/schema/main.prisma": 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n',
    "prisma/schema/items.prisma": (
        "model items {\n  id         String   @id @db.Uuid\n  title      String\n"
        "  created_at DateTime @db.Timestamptz\n}\n"
    ),
}

STRUCTURE = '/** An item. */\nexport interface IItem {\n  id: string;\n  title: string;\n  created_at: string;\n}\n'

# A provider body that the logic and API axes count as real work.
REAL_BODY = "const found = await lookup(id);\n    if (!found) throw new Error(\"missing\");\n    return found;"


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def provider_file(name: str, body: str = 'return { id, title: "t", created_at: "" };') -> str:
    """A provider module exporting one async function `name(id)`."""
    return (
        'import { IItem } from "../api/structures/IItem";\n\n'
        "async function lookup(id: string): Promise<IItem | null> {\n"
        '  return id ? { id, title: "t", created_at: "" } : null;\n}\n\n'
        f"/** {name}. */\nexport async function {name}(id: string): Promise<IItem> {{\n  {body}\n}}\n"
    )


def controller_file(cls: str, prefix: str, routes: list[tuple[str, str, str, str]], imports: str = "") -> str:
    """A NestJS controller; each route is (decorator, path, method name, body)."""
    methods = []
    for decorator, path, name, body in routes:
        argument = f'"{path}"' if path else ""
        methods.append(
            f"  /** {name}. */\n  @TypedRoute.{decorator}({argument})\n"
            f"  public async {name}(id: string): Promise<unknown> {{\n    {body}\n  }}\n"
        )
    return (
        'import { Controller } from "@nestjs/common";\nimport { TypedRoute } from "@nestia/core";\n'
        f"{imports}\n/** {cls}. */\n@Controller(\"{prefix}\")\nexport class {cls} {{\n" + "\n".join(methods) + "}\n"
    )


def item_controller(body: str = "try {\n      return await getItemsItemId(id);\n    } catch (error) {\n      throw error;\n    }") -> str:
    imports = 'import { getItemsItemId } from "../providers/getItemsItemId";\n'
    return controller_file("ItemsController", "items", [("Get", ":id", "at", body)], imports)


def minimal_project(root: Path, extra: dict[str, str] | None = None, *, schema: bool = True) -> Path:
    """One controller, one provider, one DTO, a valid schema: a project whose gate scores 100."""
    files = {
        "src/controllers/ItemsController.ts": item_controller(),
        "src/providers/getItemsItemId.ts": provider_file("getItemsItemId", REAL_BODY),
        "src/api/structures/IItem.ts": STRUCTURE,
        **(SCHEMA if schema else {}),
    }
    return write_tree(root, {**files, **(extra or {})})


def filler_sources(count: int, start: int = 0) -> dict[str, str]:
    """`count` trivial, valid src/utils files, to set a project's file count for ratio thresholds."""
    return {f"src/utils/u{i:03d}.ts": f"export const u{i:03d} = {i};\n" for i in range(start, start + count)}


def decorated_controller(prefix: str, *routes: str, quote: str = '"', body: str = "return work(id);") -> str:
    """A controller whose routes are given as decorator source, e.g. `@TypedRoute.Get(":id")`."""
    methods = "".join(f"  {route}\n  public async m{i}(id: string) {{\n    {body}\n  }}\n"
                      for i, route in enumerate(routes))
    return f"@Controller({quote}{prefix}{quote})\nexport class C {{\n{methods}}}\n"


def sdk_test(*calls: str, check: str = "typia.assert(output);") -> str:
    """An e2e test file calling the SDK functions `calls` (e.g. `items.create`), then `check`."""
    lines = "".join(f"  const output = await api.functional.{call}(connection, {{}});\n" for call in calls)
    return f"export async function test_api_case(connection: api.IConnection) {{\n{lines}  {check}\n}}\n"
