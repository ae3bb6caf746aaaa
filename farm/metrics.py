"""The farm's Prometheus metrics (design.md, "Metrics"): names, labels, and the calls that count.

Workers run under Celery's prefork pool, so values go to prometheus_client's multiprocess files
(PROMETHEUS_MULTIPROC_DIR must be set before this module is first imported) and the worker's main
process serves their sum (`farm.exporter`). State that lives in Redis (queue depth, job states,
budgets, endpoint caps) is read at scrape time by `farm.metrics_state`, never counted here.

Labels are bounded: round, model, project, phase, plus a closed set of kinds, outcomes and
states. Operation and attempt ids never become labels. Per-job label sets are served while their
round runs; a finished round's are summed per model at scrape time (`farm.metrics_rollup`).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

JOB_LABELS = ("round", "model", "project", "phase")

# Usage counters (workers.harness.usage.Usage.counters) by token kind.
_TOKEN_KINDS = {"tokens_input": "input", "tokens_cached": "cached", "tokens_output": "output", "tokens_reasoning": "reasoning"}
FUNCTION_CALL_RESULTS = frozenset(
    {"success", "validation_failure", "invalid_json", "no_call", "compile_failure", "truncated"}
)
_TRANSPORT = "transport:"

TOKENS = Counter("farm_llm_tokens", "Tokens of LLM calls by kind (input = uncached input; output excludes reasoning).",
                 [*JOB_LABELS, "kind"])
COST = Counter("farm_llm_cost_usd", "Cost of LLM calls in USD (billed when the endpoint reports it, else priced).",
               JOB_LABELS)
REQUESTS = Counter("farm_llm_requests", "LLM calls by outcome: answered, or the transport fault that ended them.",
                   [*JOB_LABELS, "outcome"])
FUNCTION_CALLS = Counter("farm_function_call_results", "Answered calls by function-call result.",
                         [*JOB_LABELS, "result"])
LATENCY = Histogram("farm_llm_latency_seconds", "Latency of LLM calls, answered or not.", JOB_LABELS,
                    buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600))
JOBS_STARTED = Counter("farm_jobs_started", "Phase job deliveries that started running.", JOB_LABELS)
JOB_DURATION = Histogram("farm_job_duration_seconds", "Duration of phase job deliveries, by the state they ended in.",
                         [*JOB_LABELS, "state"], buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200))
BUDGET_REFUSALS = Counter("farm_budget_refusals", "Calls refused because their worst case no longer fit a budget.",
                          ["round", "scope", "model"])
RUN_SCORE = Gauge("farm_run_score", "Rubric score of a run (set by the scoring job).", ["round", "model", "project"],
                  multiprocess_mode="mostrecent")
RUN_BOOTS = Gauge("farm_run_boots", "Whether a run's backend booted (1) or not (0) (set by the verify job).",
                  ["round", "model", "project"], multiprocess_mode="mostrecent")
RUN_GOLDEN_PASS_RATE = Gauge("farm_run_golden_pass_rate", "Share of a run's Golden Set scenarios that passed live "
                             "(set by the verify job when any was played).", ["round", "model", "project"],
                             multiprocess_mode="mostrecent")


def observe_attempt(labels: tuple[str, str, str, str], outcome: str, usage: dict[str, float], latency_s: float) -> None:
    """Count one finished LLM call: its tokens, cost, outcome and latency.

    `outcome` is a function-call result, or "transport:<fault>" when no answer came back.
    """
    for name, kind in _TOKEN_KINDS.items():
        TOKENS.labels(*labels, kind).inc(usage.get(name, 0))
    COST.labels(*labels).inc(usage.get("cost_usd", 0))
    if outcome.startswith(_TRANSPORT):
        REQUESTS.labels(*labels, outcome.removeprefix(_TRANSPORT)).inc()
    else:
        REQUESTS.labels(*labels, "answered").inc()
        if outcome in FUNCTION_CALL_RESULTS:
            FUNCTION_CALLS.labels(*labels, outcome).inc()
    LATENCY.labels(*labels).observe(latency_s)


def job_started(labels: tuple[str, str, str, str]) -> None:
    JOBS_STARTED.labels(*labels).inc()


def job_ended(labels: tuple[str, str, str, str], state: str, duration_s: float) -> None:
    JOB_DURATION.labels(*labels, state).observe(duration_s)


def count_budget_refusal(round_id: str, scope: str, model: str) -> None:
    """`scope` is "round" or "model"; `model` is empty for the round budget."""
    BUDGET_REFUSALS.labels(round_id, scope, model).inc()
