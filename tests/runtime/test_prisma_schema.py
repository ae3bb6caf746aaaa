"""A tree without our Database AST (AutoBe's layout: only `prisma/schema/*.prisma`) gets its schema from
runtime.prisma_schema: checked on a real PostgreSQL against what Prisma's `db push` makes, against the
AST path on our own output, end to end through `farm verify`, and refusing what it does not know as
the farm's failure, naming the file and line."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from farm.postgres_server import PostgresServer
from runtime.project import Fault, Project
from runtime.prisma_schema import UnsupportedSchema, translate
from runtime.verify import Source, verify
from tests.runtime.test_verify import STEPS, _copy_run
from workers.phases.database.ast import DatabaseApplication

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).parent / "fixtures" / "autobe_layout"  # our own schema, in AutoBe's layout and idioms
CATALOG = {
    "enums": "SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e "
             "JOIN pg_type t ON t.oid = e.enumtypid GROUP BY 1 ORDER BY 1",
    "columns": "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
               "coalesce(pg_get_expr(d.adbin, d.adrelid), '') "
               "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
               "LEFT JOIN pg_attrdef d ON (d.adrelid, d.adnum) = (a.attrelid, a.attnum) "
               "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 "
               "AND NOT a.attisdropped ORDER BY 1, a.attnum",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
}


def _catalog(postgres: PostgresServer, database: str) -> dict[str, list[str]]:
    """Enums, columns (type, NOT NULL, default), indexes and constraints, as PostgreSQL describes them."""
    return {name: postgres.admin(sql, database=database).splitlines() for name, sql in CATALOG.items()}


def _applied(project: Project, postgres: PostgresServer) -> str:
    """A fresh database with the project's schema applied by `apply_schema` (psql, as the database's role)."""
    database = postgres.create_database("p_" + uuid.uuid4().hex[:12])
    result = project.apply_schema(database.url)
    assert (result.ok, result.fault) == (True, None), f"{result.reason}\n{result.log}"
    return database.name


def test_an_autobe_layout_schema_is_created_as_prisma_db_push_would(postgres: PostgresServer) -> None:
    catalog = _catalog(postgres, _applied(Project(tree=FIXTURE), postgres))
    assert catalog["enums"] == ["kitchen_level|home,pro"]  # @@map on the enum, @map on a value
    # Prisma's PostgreSQL types: String text, DateTime timestamp(3), Decimal/@db.Decimal numeric, autoincrement
    # serial; uuid(), @updatedAt and relations make no column default, now() CURRENT_TIMESTAMP; lists are nullable
    assert "\n".join(catalog["columns"]) == """\
kitchen_cooks|id|uuid|t|
kitchen_cooks|email|character varying(320)|t|
kitchen_cooks|name|character varying(80)|t|
kitchen_cooks|level|kitchen_level|t|'home'::kitchen_level
kitchen_cooks|created_at|timestamp with time zone|t|CURRENT_TIMESTAMP
kitchen_cooks|updated_at|timestamp(3) with time zone|t|
kitchen_cooks|deleted_at|timestamp with time zone|f|
kitchen_favorites|kitchen_cook_id|uuid|t|
kitchen_favorites|kitchen_recipe_id|uuid|t|
kitchen_favorites|saved_at|timestamp(6) with time zone|t|CURRENT_TIMESTAMP
kitchen_profiles|id|uuid|t|gen_random_uuid()
kitchen_profiles|cook_id|uuid|t|
kitchen_profiles|bio|text|f|
kitchen_profiles|country|character(2)|t|'ZZ'::bpchar
kitchen_profiles|born_on|date|f|
kitchen_recipe_comments|id|uuid|t|
kitchen_recipe_comments|kitchen_recipe_id|uuid|t|
kitchen_recipe_comments|parent_id|uuid|f|
kitchen_recipe_comments|kitchen_cook_id|uuid|f|
kitchen_recipe_comments|body|text|t|
kitchen_recipe_comments|created_at|timestamp(3) without time zone|t|CURRENT_TIMESTAMP
kitchen_recipe_ratings|id|integer|t|nextval('kitchen_recipe_ratings_id_seq'::regclass)
kitchen_recipe_ratings|kitchen_recipe_id|uuid|t|
kitchen_recipe_ratings|kitchen_cook_id|uuid|t|
kitchen_recipe_ratings|score|smallint|t|
kitchen_recipe_ratings|weight|real|t|1.5
kitchen_recipes|id|uuid|t|
kitchen_recipes|kitchen_cook_id|uuid|f|
kitchen_recipes|title|character varying(200)|t|
kitchen_recipes|servings|smallint|t|2
kitchen_recipes|minutes|integer|f|
kitchen_recipes|price|numeric(10,2)|t|
kitchen_recipes|tags|text[]|f|ARRAY[]::text[]
kitchen_recipes|steps|jsonb|t|'[]'::jsonb
kitchen_recipes|published|boolean|t|false
kitchen_recipes|serial_number|bigint|t|nextval('kitchen_recipes_serial_number_seq'::regclass)
kitchen_recipes|created_at|timestamp with time zone|t|CURRENT_TIMESTAMP"""
    indexes = dict(line.split("|") for line in catalog["indexes"])
    assert indexes["kitchen_recipes_title_idx"].endswith("USING gin (title gin_trgm_ops)")
    assert indexes["recipes_by_cook"].endswith("USING btree (kitchen_cook_id, created_at DESC)")  # map: names it
    assert indexes["kitchen_cooks_email_key"].startswith("CREATE UNIQUE INDEX")
    assert indexes["kitchen_profiles_cook_id_key"].startswith("CREATE UNIQUE INDEX")  # the one-to-one
    assert indexes["kitchen_recipe_ratings_kitchen_recipe_id_kitchen_cook_id_key"].endswith(
        "(kitchen_recipe_id, kitchen_cook_id)")
    assert "kitchen_cooks_created_at_idx" in indexes and len(indexes) == 12  # 6 primary keys, 3 unique, 3 plain
    assert [line for line in catalog["constraints"] if "_fkey|" in line] == [
        "kitchen_favorites|kitchen_favorites_kitchen_cook_id_fkey|FOREIGN KEY (kitchen_cook_id) "
        "REFERENCES kitchen_cooks(id) ON UPDATE CASCADE ON DELETE CASCADE",
        "kitchen_favorites|kitchen_favorites_kitchen_recipe_id_fkey|FOREIGN KEY (kitchen_recipe_id) "
        "REFERENCES kitchen_recipes(id) ON UPDATE CASCADE ON DELETE CASCADE",
        "kitchen_profiles|kitchen_profiles_cook_id_fkey|FOREIGN KEY (cook_id) "
        "REFERENCES kitchen_cooks(id) ON UPDATE CASCADE ON DELETE CASCADE",
        # NoAction both ways: PostgreSQL's default, which it leaves out
        "kitchen_recipe_comments|kitchen_recipe_comments_kitchen_cook_id_fkey|FOREIGN KEY (kitchen_cook_id) "
        "REFERENCES kitchen_cooks(id)",
        "kitchen_recipe_comments|kitchen_recipe_comments_kitchen_recipe_id_fkey|FOREIGN KEY (kitchen_recipe_id) "
        "REFERENCES kitchen_recipes(id) ON UPDATE CASCADE ON DELETE CASCADE",
        "kitchen_recipe_comments|kitchen_recipe_comments_parent_id_fkey|FOREIGN KEY (parent_id) "  # the self relation
        "REFERENCES kitchen_recipe_comments(id) ON UPDATE CASCADE ON DELETE SET NULL",
        "kitchen_recipe_ratings|kitchen_recipe_ratings_kitchen_cook_id_fkey|FOREIGN KEY (kitchen_cook_id) "
        "REFERENCES kitchen_cooks(id) ON UPDATE CASCADE ON DELETE RESTRICT",  # no onDelete, required: Restrict
        "kitchen_recipe_ratings|kitchen_recipe_ratings_kitchen_recipe_id_fkey|FOREIGN KEY (kitchen_recipe_id) "
        "REFERENCES kitchen_recipes(id) ON UPDATE CASCADE ON DELETE RESTRICT",
        "kitchen_recipes|kitchen_recipes_kitchen_cook_id_fkey|FOREIGN KEY (kitchen_cook_id) "
        "REFERENCES kitchen_cooks(id) ON UPDATE CASCADE ON DELETE SET NULL",
    ]
    assert "kitchen_favorites|kitchen_favorites_pkey|PRIMARY KEY (kitchen_cook_id, kitchen_recipe_id)" \
        in catalog["constraints"]


def test_rarer_constructs_are_created_too(postgres: PostgresServer) -> None:
    """Schemas of a multiSchema datasource, relationMode = "prisma" (no foreign keys), mapped extension and
    constraint names, enum lists, byte defaults, and Prisma's cut of a default name past 63 bytes."""
    long_table = "t" * 60
    ddl = translate({"prisma/schema.prisma": f"""
datasource db {{
  provider     = "postgresql"
  schemas      = ["shop", "public"]
  relationMode = "prisma"
  extensions   = [uuid_ossp(map: "uuid-ossp")]
}}
enum Size {{
  S
  M
  @@schema("shop")
}}
model Shirt {{
  id    Int    @id(map: "shirt_key") @default(autoincrement())
  sizes Size[] @default([S, M])
  code  String @unique(map: "shirt_code")
  blob  Bytes  @default("AQI=")
  owner Owner? @relation(fields: [owner_id], references: [id])
  owner_id Int?
  @@schema("shop")
}}
model Owner {{
  id     Int     @id
  shirts Shirt[]
  @@map("{long_table}")
  @@index([id], type: Hash)
  @@schema("public")
}}
"""})
    assert ddl.extensions == 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\n'
    database = postgres.create_database("p_" + uuid.uuid4().hex[:12])
    postgres.admin(ddl.tables, database=database.name)
    columns = postgres.admin("SELECT table_schema, table_name, column_name, udt_name, column_default "
                             "FROM information_schema.columns WHERE table_schema IN ('shop', 'public') "
                             "ORDER BY 1, 2, ordinal_position", database=database.name).splitlines()
    assert columns[1:] == [
        "shop|Shirt|id|int4|nextval('shop.\"Shirt_id_seq\"'::regclass)",
        "shop|Shirt|sizes|_Size|ARRAY['S'::shop.\"Size\", 'M'::shop.\"Size\"]",
        "shop|Shirt|code|text|",
        "shop|Shirt|blob|bytea|'\\x0102'::bytea",
        "shop|Shirt|owner_id|int4|",
    ] and columns[0] == f"public|{long_table}|id|int4|"
    names = postgres.admin("SELECT conname FROM pg_constraint WHERE contype = 'f' UNION ALL "
                           "SELECT indexname FROM pg_indexes WHERE schemaname IN ('shop', 'public') ORDER BY 1",
                           database=database.name).splitlines()
    assert names == sorted(["shirt_key", "shirt_code", f"{'t' * 58}_pkey", f"{'t' * 59}_idx"])  # and no FK


@pytest.mark.parametrize(("path", "text", "where", "construct"), [
    ("prisma/schema/schema-09-views.prisma", "model a {\n  id String @id\n}\n\nview a_view {\n  id String\n}\n",
     "prisma/schema/schema-09-views.prisma:5", "a `view` block"),
    ("prisma/schema.prisma", "model a {\n  id String @id\n  b  b[]\n}\nmodel b {\n  id String @id\n  a  a[]\n}\n",
     "prisma/schema.prisma:3", "the implicit many-to-many relation a.b"),
    ("prisma/schema.prisma", "model a {\n  id String @id\n  // unused\n  x  String @ignore\n}\n",
     "prisma/schema.prisma:4", "the attribute @ignore"),
], ids=["view", "implicit-many-to-many", "ignore"])
def test_what_the_translator_does_not_know_is_the_farms_failure_naming_file_and_line(
        tmp_path: Path, path: str, text: str, where: str, construct: str) -> None:  # fmt: skip
    (tmp_path / path).parent.mkdir(parents=True)
    (tmp_path / path).write_text(text, encoding="utf-8")
    result = Project(tree=tmp_path).apply_schema("postgresql://nobody@127.0.0.1:1/never-reached")
    assert (result.ok, result.fault) == (False, Fault.INFRA)
    assert result.reason == (f"cannot translate the Prisma schema: {where}: {construct} is not supported by the "
                             "farm's Prisma schema translator")
    with pytest.raises(UnsupportedSchema, match=where):
        translate({path: text})


def test_a_tree_with_no_schema_at_all_is_the_farms_failure(tmp_path: Path) -> None:
    result = Project(tree=tmp_path).apply_schema("postgresql://nobody@127.0.0.1:1/never-reached")
    assert (result.fault, result.reason) == (Fault.INFRA, "cannot translate the Prisma schema: no Prisma schema "
                                             "in the tree (prisma/schema/*.prisma or prisma/schema.prisma)")


def test_our_own_schema_comes_out_the_same_from_its_prisma_files_as_from_its_ast(
        demo_run: Path, postgres: PostgresServer) -> None:  # fmt: skip
    """The Database phase emits the .prisma files from the AST, so both paths must make the same catalog:
    same tables, columns (type, NOT NULL, default), unique and plain indexes (GIN included), and foreign
    keys with the same names and actions. (Names past 63 bytes would differ, the AST path adding a digest
    where Prisma cuts; the demo has none, and the client never names an index or a constraint.)"""
    tree = demo_run / "tree"
    ast = DatabaseApplication.model_validate_json((demo_run / "database" / "ast.json").read_text(encoding="utf-8"))
    from_ast = _catalog(postgres, _applied(Project(tree=tree, database=ast), postgres))
    from_prisma = _catalog(postgres, _applied(Project(tree=tree), postgres))
    assert from_prisma == from_ast
    assert len(from_ast["columns"]) > 30 and any("USING gin (title gin_trgm_ops)" in i for i in from_ast["indexes"])
    assert sum("FOREIGN KEY" in line for line in from_ast["constraints"]) == 3


def test_farm_verify_boots_a_tree_without_its_ast_and_plays_its_golden_set_and_e2e(
        demo_run: Path, npm_cache: Path, postgres: PostgresServer, tmp_path: Path) -> None:  # fmt: skip
    run = _copy_run(demo_run, tmp_path)
    shutil.rmtree(run / "database")  # only the tree, as AutoBe's projects or any tree handed to `farm verify`
    source = Source.find(run / "tree")
    assert (source.database, source.suite) == (None, "todo")
    report = verify(source, postgres, npm_cache=npm_cache)
    assert report.boots is True and report.reason is None, report.steps
    assert [step.step for step in report.steps] == STEPS and all(step.ok for step in report.steps)
    assert report.golden.total >= 18 and report.golden.passed >= 0.9 * report.golden.total, \
        [(s.id, s.verdict, s.message) for s in report.scenarios if s.verdict != "passed"]
    assert report.e2e.total >= 10 and report.e2e.passed >= 0.9 * report.e2e.total, report.e2e
