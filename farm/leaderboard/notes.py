"""The leaderboard's reading notes ("How to read this"): plain sentences every format shows alike,
saying what this round's numbers mean and what its size lets them show."""

from __future__ import annotations

from farm.leaderboard import stats
from farm.leaderboard.fmt import plural
from farm.leaderboard.model import Leaderboard


RUNTIME_NOTE = (
    "Runtime: farm verify built each generated backend, booted it on a fresh PostgreSQL and played the "
    "project's Golden Set scenarios and its own e2e tests against it, contained (runtime.json). Boots: no when "
    "the model's code did not build or boot (runtime_failed, with the reason); — when the farm could not verify "
    "it (infra), which never counts against the model. Golden: scenarios passed, overall and by category; "
    "scenarios that need seeded accounts are skipped and left out. A model's golden rate is the mean over its "
    "verified runs, a backend that failed counting 0; a run without runtime.json is not verified, never a 0."
)


PROVIDERS_NOTE = (
    "⚠ providers: a contestant whose calls were served by more than one provider (OpenRouter routes by "
    "availability) mixes their quantisations and settings in its score; pin providers (`provider:` in the "
    "round file) to compare like with like."
)


def _floor_note(board: Leaderboard) -> str:
    """What this round's size allows its test to find."""
    floor = stats.smallest_p(len(board.projects), board.repeats)
    if floor < board.significance.alpha:
        return ""
    runs = plural(board.repeats, "run")
    return (f" This round has {runs} of each of {plural(len(board.projects), 'project')}: p ≥ {floor:.3g}, so no "
            "difference in it can be significant.")


def _total_notes(board: Leaderboard) -> list[str]:
    weights = ", ".join(f"{axis} {weight:g}" for axis, weight in board.axis_weights.items())
    return [
        f"Total: each run's score under the static rubric with profile {board.profile} (weights {weights}; its "
        "rules: scoring/PROFILES.md), averaged over a project's repeats, then over the projects, each project "
        "weighing the same. Grades: A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else F. Ties rank the cheaper contestant first.",
        "Interval: [low, high] is the total's 95% confidence interval, from a two-stage bootstrap "
        f"({board.significance.resamples:,} resamples): the projects are redrawn, then the repeats of each drawn "
        "project, so it covers both which projects the round happened to have and run-to-run noise. Its seed "
        "derives from the round and the contestant: the same store always gives the same bounds. A total from a "
        "single run has no interval.",
        "Group: contestants in one group are not significantly different from each other. The test, "
        f"{board.significance.test}, calls a difference significant when p < α = {board.significance.alpha:g}. "
        "Walking down the ranking, a contestant opens a new group when it differs significantly from a member of "
        "the current one. The test can only be as sure as the runs allow: with one run per project the smallest "
        "possible p is 2 / 2^projects, 0.125 with 4 projects, where no difference can be significant; run "
        "repeats (`repeats:` in the round file) to tell close contestants apart." + _floor_note(board),
    ]


def _variance_note(board: Leaderboard) -> list[str]:
    if board.variance is None:
        return []
    return ["Run-to-run share: the part of the variance of run totals that lies between runs of one project "
            "(another seed) rather than between projects (a one-way random-effects split); SD is the square root of "
            "each part, in points. A large run-to-run share says more repeats sharpen the ranking, a small one that "
            "more projects would."]


def _variant_note(board: Leaderboard) -> list[str]:
    if not board.variants:
        return []
    baseline = next(iter(board.variants))
    return ["Variants: every model also runs under each harness variant; a contestant is model+variant. A variant's "
            f"effect is its total minus the baseline's ({baseline}, the round file's first variant) for the same "
            "model, paired by project, with its 95% bootstrap interval and permutation p-value; significant when "
            f"p < α = {board.significance.alpha:g}."]


def _cost_notes(board: Leaderboard) -> list[str]:
    flagged = any(entry.serving_flag for entry in board.models)
    return [
        "Cost per point: the cost of one scored run divided by the total; tokens per point likewise, with input "
        "and output tokens. Lower is a better deal.",
        "Pareto front (★): the ranked contestants no other ranked contestant beats on both score and cost per run "
        "(as much or more for as little or less). Any other contestant is a worse deal than one on the front.",
    ] + ([PROVIDERS_NOTE] if flagged else [])


def how_to_read(board: Leaderboard) -> list[str]:
    """The page's reading notes, as plain sentences every format shows alike."""
    return [
        *_total_notes(board),
        *_variance_note(board),
        *_variant_note(board),
        "Incomplete runs (stopped by an infrastructure failure or the budget, or not finished) are not scored "
        "and never count against the contestant. Only contestants with every run scored are ranked: the others "
        "are listed after them, unranked, with the runs they miss (their total covers their scored runs only). "
        "A run the model failed is scored on what it produced.",
        "FCSR, function-calling success rate: the share of operations whose first answered call was a valid "
        "function call that passed our compilers (1st), and that got there within the retries (retries). "
        "Counted over the operations of every phase of the scored runs, so each operation weighs the same.",
        "Cost (USD) and tokens are those of the scored runs: the same work the total describes. Input tokens "
        "include the cached ones, output tokens the reasoning ones. Prices are the round file's, in USD per "
        "million tokens (input / cached input / output); providers are those that served the calls, as the "
        "endpoint named them.",
        *_cost_notes(board),
        "Axis means: a run whose compilation gate failed counts 0 on every axis; an axis the scorer did not "
        "run (golden) is left out. Their intervals are bootstrapped like the total's.",
        *([RUNTIME_NOTE] if board.verified else []),
    ]
