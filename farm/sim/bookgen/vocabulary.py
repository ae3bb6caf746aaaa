"""Domain words per catalog project, read off its requirement text (farm/catalog/projects/*.md).

Only names come from here: actors and their kinds from the `## Actors` list, areas from the section
headings, nouns from what each section says the system keeps. Nouns are singular snake_case whose
plural is regular (see `plural`), none equal to an actor, a suffix of `SUBSIDIARY_SUFFIXES`, or a
word TypeScript reserves, so every derived identifier passes the phases' naming patterns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActorKind = Literal["guest", "member", "admin"]


@dataclass(frozen=True)
class ActorWords:
    name: str  # camelCase, a single word here
    kind: ActorKind
    description: str


@dataclass(frozen=True)
class AreaWords:
    name: str  # snake_case namespace
    title: str
    nouns: tuple[str, ...]  # main entities of the area, most central first


@dataclass(frozen=True)
class ProjectWords:
    prefix: str  # table prefix, as todo's `todo_`
    title: str
    actors: tuple[ActorWords, ...]  # the guest first
    areas: tuple[AreaWords, ...]


# Owned records derived from a main entity when a size needs more tables than the nouns give.
SUBSIDIARY_SUFFIXES = ("note", "attachment", "label", "link", "setting", "remark")
SNAPSHOT_SUFFIX = "snapshot"

PROJECTS: dict[str, ProjectWords] = {
    "reddit": ProjectWords(
        prefix="reddit",
        title="Community discussion platform",
        actors=(
            ActorWords("guest", "guest", "Browses public communities, reads posts and comments, and searches."),
            ActorWords("member", "member", "Posts, comments, votes, joins communities, reports and follows members."),
            ActorWords("moderator", "member", "A member who moderates communities: rules, flairs, removals and bans."),
            ActorWords("administrator", "admin", "Platform staff: suspends members, bans communities, reads reports."),
        ),
        areas=(
            AreaWords("communities", "Communities", ("community", "rule", "membership", "flair", "wiki_page")),
            AreaWords("posts", "Posts", ("post", "poll", "poll_option", "saved_item")),
            AreaWords("comments", "Comments", ("comment", "mention")),
            AreaWords("votes", "Votes and karma", ("vote", "karma_event")),
            AreaWords("profiles", "Accounts and profiles", ("follow", "block", "award")),
            AreaWords("feeds", "Feeds", ("feed_preference", "hidden_post")),
            AreaWords("moderation", "Moderation", ("report", "removal", "moderation_log", "mute")),
            AreaWords("notifications", "Notifications", ("notification", "notification_preference")),
            AreaWords("administration", "Administration and reporting", ("site_ban", "announcement", "daily_statistic")),
        ),
    ),
    "shopping": ProjectWords(
        prefix="shopping",
        title="Multi-seller shopping mall",
        actors=(
            ActorWords("guest", "guest", "Browses the catalogue, searches, reads reviews and keeps a guest cart."),
            ActorWords("customer", "member", "A registered buyer: profile, addresses, cart, orders, returns, reviews."),
            ActorWords("seller", "member", "A company selling on the platform: shop, products, stock, fulfilment."),
            ActorWords("administrator", "admin", "Platform staff: approves sellers, moderates, settles and reports."),
        ),
        areas=(
            AreaWords("catalogue", "Catalogue", ("product", "category", "product_option", "product_image", "tag")),
            AreaWords("orders", "Orders and checkout", ("order", "order_item", "order_address")),
            AreaWords("payments", "Payments", ("payment", "payment_attempt", "refund")),
            AreaWords("customers", "Customer accounts", ("address", "tier", "consent")),
            AreaWords("sellers", "Sellers", ("shop", "seller_application", "staff_invitation", "staff_action")),
            AreaWords("stock", "Stock", ("stock_unit", "stock_movement", "warehouse")),
            AreaWords("carts", "Cart and wishlist", ("cart", "cart_item", "wishlist_item")),
            AreaWords("pricing", "Pricing, coupons and points", ("coupon", "coupon_use", "point_entry", "price_rule")),
            AreaWords("shipping", "Shipping", ("shipment", "tracking_event", "carrier")),
            AreaWords("returns", "Returns, exchanges and refunds", ("return_request", "exchange", "dispute")),
            AreaWords("reviews", "Reviews", ("review", "review_vote", "question", "answer")),
            AreaWords("settlements", "Settlements", ("settlement", "settlement_line", "payout")),
            AreaWords("notifications", "Notifications", ("notification", "notification_preference")),
            AreaWords("administration", "Administration and reporting", ("announcement", "audit_entry", "daily_report")),
        ),
    ),
    "erp": ProjectWords(
        prefix="erp",
        title="Multi-tenant HR and time tracking",
        actors=(
            ActorWords("visitor", "guest", "Signs up an organisation, accepts an invitation, logs in."),
            ActorWords("employee", "member", "Logs time, submits timesheets, requests leave, sees own records."),
            ActorWords("manager", "member", "Approves timesheets and leave of their reports, manages project tasks."),
            ActorWords("administrator", "admin", "Configures the organisation: departments, roles, projects, policies."),
            ActorWords("operator", "admin", "Staff of the SaaS provider: subscriptions, suspensions, support grants."),
        ),
        areas=(
            AreaWords("organisations", "Organisations", ("organisation", "subscription", "support_grant", "data_export")),
            AreaWords("permissions", "Roles and permissions", ("role", "role_permission", "role_grant")),
            AreaWords("people", "Departments and employees",
                      ("department", "staff_record", "invitation", "job_history", "personal_detail")),
            AreaWords("projects", "Clients, projects and tasks",
                      ("client", "project", "project_assignment", "task", "task_assignee")),
            AreaWords("time", "Time logs", ("time_log", "running_timer")),
            AreaWords("timesheets", "Weekly timesheets and approval",
                      ("timesheet", "timesheet_approval", "timesheet_comment")),
            AreaWords("leave", "Leave and calendars",
                      ("leave_type", "leave_balance", "leave_request", "holiday_calendar", "holiday")),
            AreaWords("reports", "Reports", ("saved_report", "report_schedule")),
            AreaWords("audit", "Audit and integrations", ("audit_entry", "webhook", "webhook_delivery", "api_key")),
        ),
    ),
}


def plural(noun: str) -> str:
    """`order_item` -> `order_items`, `category` -> `categories`, `address` -> `addresses`."""
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"
