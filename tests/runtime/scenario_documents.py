"""Minimal openapi documents for projects we have no generated backend for yet.

Each layout lists plausible routes, written by us, in the two styles generated backends use:
our pipeline's (`/todos/{todoItemId}`, GET for lists) and AutoBe's (`/todoApp/todoUser/todos`,
PATCH with a body for lists, actor segments such as `todoUser`), plus distractor routes (admin
and nested variants) a resolver must not pick.
"""

from __future__ import annotations

from typing import Any

AUTOBE_TODO = [
    "POST /auth/todoUser/join", "POST /auth/todoUser/login", "POST /auth/todoUser/refresh",
    "POST /auth/systemAdmin/join", "POST /auth/systemAdmin/login",
    "PATCH /todoApp/todoUser/todos", "POST /todoApp/todoUser/todos",
    "GET /todoApp/todoUser/todos/{todoId}", "PUT /todoApp/todoUser/todos/{todoId}",
    "DELETE /todoApp/todoUser/todos/{todoId}",
    "PATCH /todoApp/todoUser/todos/{todoId}/activities",
    "GET /todoApp/todoUser/todos/{todoId}/activities/{activityId}",
    "PATCH /todoApp/todoUser/todos/{todoId}/deletionEvents",
    "PUT /todoApp/todoUser/todos/{todoId}/restore",
    "PATCH /todoApp/systemAdmin/users", "PATCH /todoApp/systemAdmin/todos",
]

REDDIT = [
    "POST /auth/member/join", "POST /auth/member/login", "POST /auth/member/refresh", "POST /auth/member/logout",
    "POST /auth/admin/login", "GET /members/{memberId}", "PUT /members/me",
    "POST /communities", "GET /communities", "GET /communities/{communityId}", "GET /admin/communities",
    "GET /me/communities", "POST /communities/{communityId}/join", "POST /communities/{communityId}/leave",
    "POST /communities/{communityId}/posts", "GET /communities/{communityId}/posts",
    "GET /posts/{postId}", "PUT /posts/{postId}", "DELETE /posts/{postId}", "GET /posts/search",
    "POST /posts/{postId}/lock", "POST /posts/{postId}/comments", "GET /posts/{postId}/comments",
    "DELETE /comments/{commentId}", "POST /comments/{commentId}/replies", "POST /comments/{commentId}/votes",
    "POST /posts/{postId}/votes", "POST /posts/{postId}/reports",
    "GET /communities/{communityId}/moderation/queue", "POST /posts/{postId}/save", "GET /me/saved",
    "GET /me/notifications", "GET /me/notifications/unread-count",
]

SHOPPING = [
    "POST /auth/customers/join", "POST /auth/customers/login", "POST /auth/customers/refresh",
    "POST /auth/customers/logout", "POST /auth/admins/login", "POST /auth/sellers/join", "POST /auth/sellers/login",
    "GET /customers/me/sessions", "GET /customers/me", "PUT /customers/me",
    "POST /customers/me/addresses", "GET /customers/me/addresses", "GET /customers/me/addresses/{addressId}",
    "PUT /customers/me/addresses/{addressId}", "DELETE /customers/me/addresses/{addressId}",
    "POST /customers/me/addresses/{addressId}/default",
    "POST /sellers/applications", "POST /admins/sellers/{sellerId}/approve", "POST /admins/sellers/{sellerId}/reject",
    "POST /admins/categories", "GET /categories", "POST /sellers/products", "GET /sellers/products",
    "PUT /sellers/products/{productId}", "PATCH /products", "GET /admins/products", "GET /products/{productId}",
    "POST /admins/products/{productId}/approve", "GET /products/{productId}/snapshots",
    "POST /customers/me/cart/items", "GET /customers/me/cart", "POST /customers/me/wishlist",
    "GET /customers/me/wishlist", "POST /customers/me/orders", "GET /customers/me/orders", "PATCH /admins/orders",
    "GET /customers/me/orders/{orderId}", "POST /customers/me/orders/{orderId}/cancel",
    "POST /products/{productId}/reviews", "POST /products/{productId}/questions",
    "GET /products/{productId}/questions", "POST /admins/coupons",
]

ERP = [
    "POST /auth/signup", "POST /auth/login", "POST /auth/refresh", "GET /me", "POST /operator/organisations",
    "POST /departments", "GET /departments/{departmentId}", "POST /employees", "GET /employees",
    "GET /employees/{employeeId}", "POST /employees/{employeeId}/terminate", "GET /employees/{employeeId}/time-entries",
    "POST /clients", "POST /projects", "GET /projects/{projectId}", "POST /projects/{projectId}/members",
    "POST /projects/{projectId}/tasks", "GET /projects/{projectId}/tasks", "PUT /projects/{projectId}/tasks/{taskId}",
    "POST /time-entries", "GET /time-entries", "PUT /time-entries/{timeEntryId}", "GET /timesheets",
    "POST /timesheets/{timesheetId}/submit", "POST /timesheets/{timesheetId}/approve", "POST /leave-requests",
    "GET /roles", "DELETE /roles/{roleId}", "GET /audit-logs", "POST /api-keys", "DELETE /api-keys/{apiKeyId}",
    "POST /support-grants", "GET /reports/time",
]

LAYOUTS = {"reddit": REDDIT, "shopping": SHOPPING, "erp": ERP}


def document(routes: list[str], bodies: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """An OpenAPI 3.1 document with one operation per `METHOD /path`; `bodies` gives some of them a
    request schema (by route)."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        method, path = route.split(" ", 1)
        operation: dict[str, Any] = {"summary": route, "responses": {"200": {"description": "ok"}}}
        if bodies and route in bodies:
            operation["requestBody"] = {"content": {"application/json": {"schema": bodies[route]}}}
        paths.setdefault(path, {})[method.lower()] = operation
    return {"openapi": "3.1.0", "info": {"title": "layout", "version": "1"}, "paths": paths}
