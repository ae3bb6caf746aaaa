"""Logic completeness axis: each critical and warning pattern, the whole-file thresholds, and how each stub
rule (`strict` for benchfarm, `autobe` for AutoBe's profiles) finds empty and stub bodies."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.axes.logic import logic_axis
from scoring.profiles import StubRule
from scoring.project import Project
from tests.scoring.scoring_trees import write_tree

REAL = "const row = await load(id);\n  if (!row) throw new NotFound();\n  return row;"


def functions(*bodies: str) -> str:
    return "".join(f"export async function f{i}(id: string) {{\n  {body}\n}}\n" for i, body in enumerate(bodies))


def findings(root: Path, provider: str, path: str = "src/providers/p.ts",
             stubs: StubRule = "strict") -> tuple[int, list[tuple[str, str, int]]]:
    result = logic_axis(Project.load(write_tree(root, {path: provider})), stubs)
    return result.score, [(i.code, i.severity, i.line) for i in result.issues]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('throw new Error("Not implemented yet");', "L001"),
        ('// Implement this\n  throw new HttpError(501);', "L002"),
        ('throw new Error("TODO");', "L003"),
        ("notImplemented();", "L004"),
        ("return {};", "L007"),
        ("return [];", "L007"),
        ("return null;", "L007"),
        ("return undefined;", "L007"),
        ("return 0;", "L007"),
        ("return false;", "L007"),
        ('return "";', "L007"),
    ],
)
def test_critical_patterns(tmp_path: Path, body: str, code: str) -> None:
    score, issues = findings(tmp_path, functions(body))
    assert code in [c for c, severity, _ in issues if severity == "critical"]
    assert score == 100 - 7 * sum(1 for _, severity, _ in issues if severity == "critical")


def test_null_as_any_and_empty_body(tmp_path: Path) -> None:
    score, issues = findings(tmp_path, functions("return null as any;", ""))
    assert sorted(issues) == [("L005", "critical", 2), ("L006", "critical", 4)]
    assert score == 86


def test_ordinary_errors_and_constructors_are_fine(tmp_path: Path) -> None:
    code = (
        'export class S {\n  constructor(private readonly db: Db) {}\n'
        '  async find(id: string) {\n    if (!id) throw new Error("todo item not found");\n    return this.db.get(id);\n  }\n}\n'
    )
    assert findings(tmp_path, code) == (100, [])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("// TODO: paginate\n  return load(id);", "L101"),
        ("/* FIXME: slow */\n  return load(id);", "L101"),
        ("// HACK: retry\n  return load(id);", "L101"),
        ("return Promise.resolve(null);", "L102"),
        ("return Promise.resolve([]);", "L102"),
        ('console.log("here", id);\n  return load(id);', "L103"),
        ("xit('a', () => load(id));\n  return load(id);", "L104"),
        ("describe.skip('a', () => load(id));\n  return load(id);", "L104"),
        ("try {\n    return await load(id);\n  } catch {}\n  return load(id);", "L105"),
    ],
)
def test_warning_patterns(tmp_path: Path, body: str, code: str) -> None:
    score, issues = findings(tmp_path, functions(body))
    assert (code, "warning") in [(c, s) for c, s, _ in issues]
    assert score == 98


def test_console_log_in_catch_is_error_reporting_not_debug(tmp_path: Path) -> None:
    body = "try {\n    return await load(id);\n  } catch (error) {\n    console.log(error);\n    throw error;\n  }"
    assert findings(tmp_path, functions(body)) == (100, [])


def test_same_issue_on_one_line_counts_once(tmp_path: Path) -> None:
    score, issues = findings(tmp_path, functions('console.log(1); console.log(2);\n  return load(id);'))
    assert issues == [("L103", "warning", 2)] and score == 98


@pytest.mark.parametrize(
    ("passing", "other", "warned"),
    [(3, 0, True), (2, 0, False), (4, 1, False), (5, 1, True)],  # >80% of >=3: 3/3 yes, 2 too few, 4/5 = 0.8 no
)
def test_pass_through_file(tmp_path: Path, passing: int, other: int, warned: bool) -> None:
    bodies = [f"return other{i}(id);" for i in range(passing)] + [REAL.replace("load", f"load{i}") for i in range(other)]
    _, issues = findings(tmp_path, functions(*bodies), "src/controllers/C.ts")
    assert ("L106" in [c for c, _, _ in issues]) is warned


@pytest.mark.parametrize(
    ("same", "different", "warned"),
    [(3, 1, True), (3, 2, False), (4, 2, True), (3, 0, False)],  # >= 4 functions and > 60% identical
)
def test_identical_bodies_file(tmp_path: Path, same: int, different: int, warned: bool) -> None:
    bodies = [REAL] * same + [REAL.replace("load", f"load{i}") for i in range(different)]
    _, issues = findings(tmp_path, functions(*bodies))
    assert ("L107" in [c for c, _, _ in issues]) is warned


@pytest.mark.parametrize(("thin", "real", "warned"), [(5, 1, True), (4, 1, False), (1, 0, True)])
def test_thin_prisma_wrappers_in_providers(tmp_path: Path, thin: int, real: int, warned: bool) -> None:
    bodies = [f"return MyGlobal.prisma.items.findMany({{ where: {{ id }}, take: {i} }});" for i in range(thin)]
    bodies += [REAL.replace("load", f"load{i}") for i in range(real)]
    _, issues = findings(tmp_path, functions(*bodies))
    assert ("L108" in [c for c, _, _ in issues]) is warned


def test_score_floors_at_zero(tmp_path: Path) -> None:
    score, issues = findings(tmp_path, functions(*["return {};"] * 15))
    assert len(issues) >= 15 and score == 0


# A random-value generator's output or a mock, returned after other statements, in a branch, through a
# local, inside an object or a callback: each is the return on line 3 (or 2) of f0.
MADE_UP_RETURNS = [
    ("props;\n  return typia.random<IItem>();", 3),
    ("const row = await load(id);\n  if (!row) return typia.random<IItem>();\n  return row;", 3),
    ("const out = typia.random<IPage<IItem>>();\n  return out;", 3),
    ("const page = typia.random<IPage<IItem>>();\n  return page.data;", 3),
    ("return { ...typia.random<IItem>(), id };", 2),
    ("return (await load(id)) ?? (typia.random<IItem>() as IItem);", 2),
    ("return Promise.resolve(typia.random<IItem>());", 2),
    ("return ArrayUtil.repeat(3, () => typia.random<IItem>());", 2),
    ("return rows.map((row) => {\n    return { id: row.id, name: faker.person.fullName() };\n  });", 2),
    ("return RandomGenerator.alphaNumeric(8);", 2),
    ("return Math.floor(Math.random() * 100);", 2),
    ("return Math.random() > 0.5;", 2),
    ("await load(id);\n  return mockItems;", 3),
    ("return MOCK_ITEMS[0];", 2),
    ("return createFakeOrder(id);", 2),
]


@pytest.mark.parametrize(("body", "line"), MADE_UP_RETURNS)
def test_strict_a_made_up_return_is_a_stub_wherever_it_stands(tmp_path: Path, body: str, line: int) -> None:
    assert findings(tmp_path, functions(body)) == (93, [("L008", "critical", line)])


@pytest.mark.parametrize(("body", "line"), MADE_UP_RETURNS)
def test_autobe_never_sees_a_made_up_return(tmp_path: Path, body: str, line: int) -> None:
    assert findings(tmp_path, functions(body), stubs="autobe") == (100, [])


@pytest.mark.parametrize(
    "body",
    [
        "const code = RandomGenerator.alphaNumeric(6);\n  await save(id, code);\n  return load(id);",  # not returned
        "return store.insert({ id: v4(), code: Math.random() });",  # stored, not handed back
        "return randomUUID();",  # a fresh identifier is not made-up data
        "return Math.max(0, await count(id));",
        "return rows.map((row) => row.id);",
    ],
)
def test_strict_random_values_that_are_not_returned_are_fine(tmp_path: Path, body: str) -> None:
    assert findings(tmp_path, functions(body)) == (100, [])


@pytest.mark.parametrize(
    ("code", "strict", "autobe"),
    [
        # AutoBe's text rule reads any `name(…) { return null; }` as a stub method, guard clauses included.
        ("export async function f(id: string) {\n  const row = await load(id);\n  if (!row) { return null; }\n"
         "  return row;\n}\n", [], [("L007", "critical", 3)]),
        # ... and never sees one whose parameters hold parentheses (decorated parameters).
        ("export class C {\n  @TypedRoute.Get()\n  public at(@TypedParam(\"id\") id: string): IItem {\n"
         "    return {};\n  }\n}\n", [("L007", "critical", 3)], []),
        # An empty injected constructor is an empty method for AutoBe, not for us.
        ("export class S {\n  constructor(private readonly db: Db) {}\n  find(id: string) {\n    return this.db.get(id);\n"
         "  }\n}\n", [], [("L006", "critical", 2)]),
        # A body holding only a comment is empty for us; AutoBe's text rule sees the comment.
        ("export async function f(id: string) {\n  /* later */\n}\n", [("L006", "critical", 1)], []),
        # Both agree on a lone empty return in a plain function.
        ("export function f(id: string) {\n  return [];\n}\n", [("L007", "critical", 1)], [("L007", "critical", 1)]),
    ],
)
def test_each_rule_on_empty_and_lone_stub_bodies(tmp_path: Path, code: str, strict: list, autobe: list) -> None:
    assert findings(tmp_path / "s", code, "src/controllers/C.ts")[1] == strict
    assert findings(tmp_path / "a", code, "src/controllers/C.ts", stubs="autobe")[1] == autobe
