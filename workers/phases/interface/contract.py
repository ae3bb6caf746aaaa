"""Names the Interface phase fixes for the phases after it (Test, Realize) and for the scorer.

For a route `METHOD /a/{bId}/c`:
- provider: `src/providers/<method>A<BId>C.ts` exports `async function <method>ABIdC(props)`, where
  `props` holds, in this order and only when the route has them: the authorized actor's payload
  under the actor's name, each path parameter by name, `query`, `body`; it resolves to the response
  DTO (or void). Realize writes these files; controllers import them by exactly this name.
- authorization for actor `member`: the parameter decorator `MemberAuth` from
  `src/decorators/MemberAuth.ts` and its payload type `MemberPayload` from
  `src/decorators/payload/MemberPayload.ts`, both written by Realize.
- SDK: `api.functional.a.c.<name>(connection, bId, query?, body?)` — static path segments in camelCase
  (a trailing segment equal to the action name is dropped), the action name last.
- controller: one per SDK namespace, `src/controllers/a/c/ACController.ts`.
"""

from __future__ import annotations

from workers.phases.interface.ast import Method
from workers.phases.naming import to_camel, to_pascal, words

# Action words and the methods a reader (and the scorer's test-coverage axis) infers from them.
ACTION_METHODS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("join", "create", "store", "register", "sign", "login", "refresh", "restore", "verify"),
                    frozenset({"post"})),
    **dict.fromkeys(("index", "get", "at", "find", "search", "list", "read"), frozenset({"get"})),
    **dict.fromkeys(("update", "modify"), frozenset({"put", "patch"})),
    **dict.fromkeys(("patch", "process"), frozenset({"patch"})),
    **dict.fromkeys(("delete", "erase", "remove", "destroy"), frozenset({"delete"})),
    **dict.fromkeys(("put", "replace", "upsert"), frozenset({"put"})),
    "post": frozenset({"post"}),
}


def segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def is_parameter(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def path_parameters(path: str) -> list[str]:
    return [segment[1:-1] for segment in segments(path) if is_parameter(segment)]


def implied_methods(action: str) -> frozenset[str] | None:
    """Methods an action name implies: the whole name, else its first camelCase word; None if unknown."""
    return ACTION_METHODS.get(action) or ACTION_METHODS.get(words(action)[0])


def sdk_chain(path: str, action: str) -> tuple[str, ...]:
    """SDK namespaces of a route: camelCase static segments, minus a last one equal to the action."""
    chain = [to_camel(s) for s in segments(path) if not is_parameter(s)]
    if len(chain) > 1 and chain[-1] == action:
        chain.pop()
    return tuple(chain)


def provider_name(method: Method, path: str) -> str:
    return method + "".join(to_pascal(s[1:-1] if is_parameter(s) else s) for s in segments(path))


def provider_module(name: str) -> str:
    """Import specifier of a provider, relative to `src/`."""
    return f"providers/{name}"


def auth_decorator(actor: str) -> str:
    return f"{to_pascal(actor)}Auth"


def auth_payload(actor: str) -> str:
    return f"{to_pascal(actor)}Payload"


def auth_decorator_module(actor: str) -> str:
    return f"decorators/{auth_decorator(actor)}"


def auth_payload_module(actor: str) -> str:
    return f"decorators/payload/{auth_payload(actor)}"


def controller_class(chain: tuple[str, ...]) -> str:
    return "".join(to_pascal(part) for part in chain) + "Controller"


def controller_module(chain: tuple[str, ...]) -> str:
    """Module of a controller relative to `src/`."""
    return "controllers/" + "/".join(chain) + "/" + controller_class(chain)


def type_base(type_name: str) -> str:
    """`ITodoItem.ICreate` -> `ITodoItem`: the structure file and the name to import."""
    return type_name.split(".", 1)[0]


def structure_module(type_name: str) -> str:
    """Module of a DTO type relative to `src/`."""
    return f"api/structures/{type_base(type_name)}"


def parameter_type(format_: str) -> str:
    """TypeScript type of a path parameter in the SDK, the controllers and the provider props."""
    return "number" if format_ == "integer" else "string"
