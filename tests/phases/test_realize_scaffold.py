"""The project scaffold: golden files, and a tree that type-checks with the Interface phase's files."""

from __future__ import annotations

import json
from pathlib import Path

from scoring.toolchain import typecheck
from tests.phases.fixture_context import FixtureContext
from tests.phases.trees import assert_golden, write_tree
from workers.phases.base import PhaseOutput
from workers.phases.interface import contract
from workers.phases.interface.ast import InterfaceApplication
from workers.phases.scaffold import emit_scaffold
from workers.phases.scaffold.project import DEPENDENCIES, DEV_DEPENDENCIES, package_name

ROOT_PACKAGE = Path(__file__).resolve().parents[2] / "package.json"


def _scaffold(interface_run: tuple[FixtureContext, PhaseOutput]) -> dict[str, str]:
    return emit_scaffold("todo", InterfaceApplication.model_validate(interface_run[1].ast))


def test_scaffold_matches_golden(interface_run: tuple[FixtureContext, PhaseOutput]) -> None:
    assert_golden(_scaffold(interface_run), "todo/scaffold")


def test_scaffold_names_what_the_contract_fixed(interface_run: tuple[FixtureContext, PhaseOutput]) -> None:
    files = _scaffold(interface_run)
    assert f"src/{contract.auth_decorator_module('member')}.ts" in files
    assert "export interface MemberPayload" in files[f"src/{contract.auth_payload_module('member')}.ts"]
    assert 'import { ApiModule } from "./ApiModule";' in files["src/AppModule.ts"]
    assert "new PrismaClient({\n    adapter: new PrismaPg(" in files["src/MyGlobal.ts"]
    manifest = json.loads(files["package.json"])
    assert manifest["name"] == package_name("todo") == "@benchfarm/todo"


def test_lockfile_pins_exactly_the_manifests_dependencies(interface_run: tuple[FixtureContext, PhaseOutput]) -> None:
    """`npm ci` refuses a lockfile out of step with package.json: a changed pin needs a regenerated lockfile."""
    files = _scaffold(interface_run)
    manifest, lock = json.loads(files["package.json"]), json.loads(files["package-lock.json"])
    root = lock["packages"][""]
    assert lock["name"] == root["name"] == manifest["name"]
    assert (root["dependencies"], root["devDependencies"]) == (manifest["dependencies"], manifest["devDependencies"])
    for name, version in {**DEPENDENCIES, **DEV_DEPENDENCIES}.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_dependency_versions_are_the_toolchains_pins() -> None:
    pinned = json.loads(ROOT_PACKAGE.read_text())["dependencies"]
    ours = {**DEPENDENCIES, **DEV_DEPENDENCIES}
    assert {name: ours[name] for name in ours if name in pinned} == {name: pinned[name] for name in ours if name in pinned}


def test_scaffold_and_interface_files_type_check_clean(interface_run: tuple[FixtureContext, PhaseOutput],
                                                       tmp_path: Path) -> None:
    """Everything but the providers (Realize's) compiles: controllers only miss their providers."""
    write_tree(tmp_path, {**interface_run[1].files, **_scaffold(interface_run)})
    diagnostics = typecheck(tmp_path)
    assert {d.code for d in diagnostics} == {2307}
    assert all("/providers/" in d.message for d in diagnostics)
