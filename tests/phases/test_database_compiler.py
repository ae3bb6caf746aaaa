"""Every Database compiler check: a failing input and the exact diagnostic it produces."""

from __future__ import annotations

from typing import Any

import pytest

from workers.phases.base import Diagnostic
from workers.phases.database.ast import (
    DatabaseApplication,
    DatabaseSchema,
    Groups,
    Model,
)
from workers.phases.database.compiler import (
    check_application,
    check_groups,
    check_namespace,
)
from workers.phases.database.emit import Origin, emit_prisma
from workers.phases.database.validate import compile_application, prisma_diagnostics


def fk(name: str, target: str, relation: str = "owner", opposite: str = "items", **flags: bool) -> dict[str, Any]:
    return {"name": name, "description": "ref", "unique": flags.get("unique", False),
            "nullable": flags.get("nullable", False),
            "relation": {"name": relation, "target": target, "opposite_name": opposite}}


def col(name: str, type_: str = "string", nullable: bool = False) -> dict[str, Any]:
    return {"name": name, "description": "col", "type": type_, "nullable": nullable}


def model(name: str, foreign: list[dict[str, Any]] | None = None, plain: list[dict[str, Any]] | None = None,
          **indexes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "description": "a table", "stance": "primary", "primary": {"description": "pk"},
            "foreign_fields": foreign or [], "plain_fields": plain or [], **indexes}


GROUPS = Groups.model_validate({"namespaces": [
    {"name": "shop", "description": "d", "tables": ["shop_orders", "shop_items"]},
    {"name": "people", "description": "d", "tables": ["shop_users"]},
]})


def shop(*models: dict[str, Any]) -> DatabaseSchema:
    return DatabaseSchema.model_validate({"models": list(models)})


def diag(location: str | None, code: str, message: str, namespace: str = "shop") -> Diagnostic:
    return Diagnostic(file=f"prisma/schema/{namespace}.prisma", location=location, code=code, message=message)


ORDERS = model("shop_orders", [fk("shop_user_id", "shop_users", "buyer", "orders")], [col("title")])
ITEMS = model("shop_items", [fk("shop_order_id", "shop_orders", "order", "items")], [col("sku")])


def test_fixture_like_namespace_is_clean() -> None:
    assert check_namespace(shop(ORDERS, ITEMS), "shop", GROUPS) == []


def test_groups_duplicates_and_reserved_names() -> None:
    groups = Groups.model_validate({"namespaces": [
        {"name": "main", "description": "d", "tables": ["a_rows"]},
        {"name": "shop", "description": "d", "tables": ["a_rows", "b_rows"]},
        {"name": "shop", "description": "d", "tables": ["c_rows"]},
    ]})
    assert check_groups(groups) == [
        diag(None, "database.duplicate-namespace", "namespace 'shop' is declared more than once"),
        diag(None, "database.reserved-namespace",
             "namespace name 'main' is reserved for the generator file; choose another", "main"),
        diag("a_rows", "database.duplicate-table",
             "table 'a_rows' is listed 2 times (namespaces 'main', 'shop'); each table belongs to exactly one namespace",
             "main"),
    ]


@pytest.mark.parametrize(("models", "expected"), [
    ([ORDERS, ITEMS, ITEMS], [diag("shop_items", "database.duplicate-model", "model 'shop_items' is defined more than once")]),
    ([ORDERS, ITEMS, model("shop_users")],
     [diag("shop_users", "database.foreign-model", "model 'shop_users' belongs to namespace 'people'; define it only there")]),
    ([ORDERS, ITEMS, model("shop_carts")],
     [diag("shop_carts", "database.unplanned-model",
           "model 'shop_carts' is not a planned table of namespace 'shop'; its tables are 'shop_items', 'shop_orders'")]),
    ([ORDERS], [diag("shop_items", "database.missing-model",
                     "planned table 'shop_items' is not defined; add a model named 'shop_items'")]),
])
def test_ownership(models: list[dict[str, Any]], expected: list[Diagnostic]) -> None:
    assert check_namespace(shop(*models), "shop", GROUPS) == expected


@pytest.mark.parametrize(("orders", "expected"), [
    (model("shop_orders", plain=[col("title"), col("title", "int")]),
     diag("shop_orders.title", "database.duplicate-field", "column 'title' is declared more than once in model 'shop_orders'")),
    (model("shop_orders", [fk("a_id", "shop_users", "buyer", "a"), fk("b_id", "shop_users", "buyer", "b")]),
     diag("shop_orders.buyer", "database.duplicate-relation",
          "relation 'buyer' is declared more than once in model 'shop_orders'")),
    (model("shop_orders", [fk("shop_user_id", "shop_users", "title", "orders")], [col("title")]),
     diag("shop_orders.title", "database.relation-clash",
          "relation 'title' has the same name as a column of model 'shop_orders'; rename the relation")),
    (model("shop_orders", [fk("buyer", "shop_users", "owner", "orders")]),
     diag("shop_orders.buyer", "database.foreign-key-name", "foreign field 'buyer' must end with '_id', e.g. 'buyer_id'")),
    (model("shop_orders", [fk("shop_user_id", "shop_customers", "buyer", "orders")]),
     diag("shop_orders.shop_user_id", "database.unresolved-target",
          "relation 'buyer' targets 'shop_customers', which is not a table; "
          "known tables: 'shop_items', 'shop_orders', 'shop_users'")),
    (model("shop_orders", plain=[col("title")], plain_indexes=[{"fields": ["title", "total"]}]),
     diag("shop_orders.total", "database.index-field",
          "plain index #1 (title, total) names 'total', which is not a column of model 'shop_orders'")),
    (model("shop_orders", plain=[col("title")], unique_indexes=[{"fields": ["title", "title"]}]),
     diag("shop_orders.title", "database.index-repeat", "unique index #1 (title, title) lists 'title' more than once")),
    (model("shop_orders", [fk("shop_user_id", "shop_users", "buyer", "orders")], unique_indexes=[{"fields": ["shop_user_id"]}]),
     diag("shop_orders.shop_user_id", "database.unique-foreign",
          "unique index #1 (shop_user_id) covers only the foreign field 'shop_user_id'; "
          "remove it and set unique: true on that foreign field instead")),
    (model("shop_orders", plain=[col("title")], plain_indexes=[{"fields": ["title"]}, {"fields": ["title"]}]),
     diag("shop_orders", "database.index-duplicate", "plain index (title) is declared more than once in model 'shop_orders'")),
    (model("shop_orders", plain=[col("total", "int")], gin_indexes=[{"field": "total"}]),
     diag("shop_orders.total", "database.gin-field",
          "GIN index field 'total' must be a plain string column of model 'shop_orders'")),
])
def test_model_checks(orders: dict[str, Any], expected: Diagnostic) -> None:
    assert check_namespace(shop(orders, ITEMS), "shop", GROUPS) == [expected]


def test_back_relation_clashes_within_a_namespace() -> None:
    twice = model("shop_items", [fk("shop_order_id", "shop_orders", "order", "items"),
                                 fk("gift_order_id", "shop_orders", "giftOrder", "items")])
    onto_column = model("shop_items", [fk("shop_order_id", "shop_orders", "order", "title")])
    assert check_namespace(shop(ORDERS, twice), "shop", GROUPS) == [
        diag("shop_items.gift_order_id", "database.opposite-clash",
             "opposite_name 'items' on model 'shop_orders' is also used by shop_items.shop_order_id; "
             "each reverse relation needs its own name")]
    assert check_namespace(shop(ORDERS, onto_column), "shop", GROUPS) == [
        diag("shop_items.shop_order_id", "database.opposite-clash",
             "opposite_name 'title' is already a column or relation of model 'shop_orders'; "
             "choose another name for the reverse relation")]


def _app(shop_models: list[dict[str, Any]], people_models: list[dict[str, Any]]) -> DatabaseApplication:
    return DatabaseApplication.model_validate({"namespaces": [
        {"name": "shop", "description": "d", "models": shop_models},
        {"name": "people", "description": "d", "models": people_models},
    ]})


def test_application_sees_clashes_across_namespaces() -> None:
    users = model("shop_users", plain=[col("email")])
    clash = model("shop_orders", [fk("shop_user_id", "shop_users", "buyer", "email")])
    assert check_namespace(shop(clash, ITEMS), "shop", GROUPS) == []
    assert check_application(_app([clash, ITEMS], [users])) == [
        diag("shop_orders.shop_user_id", "database.opposite-clash",
             "opposite_name 'email' is already a column or relation of model 'shop_users'; "
             "choose another name for the reverse relation")]
    assert check_application(_app([ORDERS, ITEMS], [users, ORDERS])) == [
        diag("shop_orders", "database.duplicate-model", "model 'shop_orders' is defined more than once "
             "(namespaces 'people', 'shop')", "people")]


def test_reverse_relation_lines_are_attributed_to_the_foreign_key() -> None:
    tree = emit_prisma(_app([ORDERS, ITEMS], [model("shop_users")]))
    people = tree.files["prisma/schema/people.prisma"].splitlines()
    line = next(number for number, text in enumerate(people, 1) if text.strip().startswith("orders "))
    assert tree.origins[("prisma/schema/people.prisma", line)] == Origin("shop", "shop_orders.shop_user_id")


def test_prisma_validator_findings_point_at_table_and_field() -> None:
    both = model("shop_orders", [fk("shop_user_id", "shop_users", "buyer", "orders")], [col("title")],
                 plain_indexes=[{"fields": ["title"]}], gin_indexes=[{"field": "title"}])
    app = _app([both, ITEMS], [model("shop_users")])
    assert check_application(app) == []
    found = prisma_diagnostics(app)
    assert [(d.file, d.location, d.code) for d in found] == [
        ("prisma/schema/shop.prisma", "shop_orders", "prisma"), ("prisma/schema/shop.prisma", "shop_orders", "prisma")]
    assert "The given constraint name `shop_orders_title_idx` has to be unique" in found[0].message
    assert compile_application(app) == found


def test_valid_application_passes_the_real_validator() -> None:
    assert compile_application(_app([ORDERS, ITEMS], [model("shop_users", plain=[col("email")])])) == []


def test_schema_validation_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"models\.0\.foreign_fields\.0\.relation\.name"):
        shop(model("shop_orders", [fk("shop_user_id", "shop_users", "Buyer", "orders")]))
    assert isinstance(shop(ORDERS).models[0], Model)
