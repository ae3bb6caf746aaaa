"""Every file the Interface phase emits, from a checked application."""

from __future__ import annotations

from workers.phases.interface.ast import InterfaceApplication
from workers.phases.interface.controllers import emit_controllers
from workers.phases.interface.openapi import OPENAPI_FILE, build_openapi, render_openapi
from workers.phases.interface.sdk import emit_sdk
from workers.phases.interface.structures import emit_structures
from workers.phases.naming import is_safe_relative_path


def emit_interface(app: InterfaceApplication, title: str) -> dict[str, str]:
    """openapi.json, DTO structures, controllers and SDK.

    The application passed the compiler, so an unsafe path here is our bug, not the model's: it
    raises instead of producing a diagnostic. The OpenAPI document is a function of the typed AST;
    its validity is the emitter's, proven by the tests at every reference size (the validator
    costs 1.7 s of CPU per job at shopping's size, a third of a worker's Python CPU at todo's).
    """
    document = build_openapi(app, title)
    files = {OPENAPI_FILE: render_openapi(document)}
    files.update(emit_structures(app.types))
    files.update(emit_controllers(app.routes, app.types))
    files.update(emit_sdk(app.routes))
    unsafe = sorted(path for path in files if not is_safe_relative_path(path))
    if unsafe:
        raise RuntimeError(f"refusing to emit paths outside the project tree: {unsafe[:3]}")
    return files
