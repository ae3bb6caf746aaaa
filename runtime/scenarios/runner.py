"""Play a scenario suite against a live server: `run_suite(base_url, openapi, suite)`.

Endpoints are resolved once from the project's openapi.json; a scenario whose endpoints are not
all there is `endpoint_not_found` before it sends anything. Each scenario then runs its steps in
order with its own variables (seeds first) and stops at the first unmet expectation. Time is
bounded by the transport: per-request timeouts inside a suite deadline, and once the server is
gone every remaining scenario is an immediate `error`.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

from runtime.scenarios import expect, reading
from runtime.scenarios.conformance import Checker
from runtime.scenarios.naming import Vocabulary, words
from runtime.scenarios.openapi_doc import Operation
from runtime.scenarios.resolver import NotFound, Resolved, resolve_all
from runtime.scenarios.result import (
    ConformanceTally,
    ScenarioResult,
    StepRecord,
    SuiteResult,
    Tally,
    Verdict,
)
from runtime.scenarios.shaping import Shaped, Shaper
from runtime.scenarios.suite import CATEGORIES, Expect, Scenario, Step, Suite, expand, load_suite
from runtime.scenarios.templates import MissingVariable, render
from runtime.scenarios.transport import Reply, Transport, Unanswered

REQUEST_TIMEOUT = 10.0
SUITE_DEADLINE = 600.0
_RESPONSE_EXCERPT = 2048
_REQUEST_EXCERPT = 1024
_ID_WORDS = ("id", "uuid", "code", "no", "number", "key")


class _Stop(Exception):
    """Ends a scenario with a verdict other than passed."""

    def __init__(self, verdict: Verdict, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.message = message


class _Play:
    """Everything one suite run shares: resolved endpoints, vocabulary, transport."""

    def __init__(self, suite: Suite, openapi: dict[str, Any], transport: Transport,
                 seeds: dict[str, Any]) -> None:
        self.suite = suite
        self.endpoints = resolve_all(suite.endpoints, openapi)
        self.vocabulary = Vocabulary(suite.aliases)
        self.shaper = Shaper(openapi, self.vocabulary)
        self.checker = Checker(openapi)
        self.transport = transport
        self.seeds = seeds

    def scenario(self, scenario: Scenario) -> ScenarioResult:
        started = time.monotonic()
        result = ScenarioResult(id=scenario.id, category=scenario.category, intent=scenario.intent,
                                cites=[f"{self.suite.requirements}:{c.line}" for c in scenario.cites],
                                verdict="passed")
        try:
            steps = self._runnable(scenario)
            variables = dict(self.seeds)
            coerced: dict[tuple[str, str], Any] = {}
            for step in steps:
                self._step(step, variables, coerced, result)
        except _Stop as stop:
            result.verdict, result.message = stop.verdict, stop.message
        except (ValueError, TypeError, LookupError) as exc:  # a scenario the suite got wrong
            result.verdict, result.message = "error", f"the scenario could not run: {type(exc).__name__}: {exc}"
        result.seconds = round(time.monotonic() - started, 3)
        terms = {s.conformance for s in result.steps}
        result.conformance = "nonconformant" if "nonconformant" in terms else (
            "conformant" if "conformant" in terms else "unchecked")
        return result

    def _runnable(self, scenario: Scenario) -> list[Step]:
        missing = [need for need in scenario.needs if not self._seeded(need)]
        if missing:
            described = "; ".join(f"{n}: {self.suite.seeds[n]}" for n in missing)
            raise _Stop("skipped", f"needs seeds not given to this run: {described}")
        steps = expand(scenario.steps, self.suite.fragments)
        absent = []
        for step in steps:
            if step.call is None:
                continue
            found = self.endpoints[step.call]
            if isinstance(found, NotFound) and found.message not in absent:
                absent.append(found.message)
        if absent:
            raise _Stop("endpoint_not_found", " | ".join(absent))
        if self.transport.gone:
            raise _Stop("error", self.transport.gone)
        return steps

    def _seeded(self, name: str) -> bool:
        return name in self.seeds or any(k.startswith(name + ".") for k in self.seeds)

    def _step(self, step: Step, variables: dict[str, Any], coerced: dict[tuple[str, str], Any],
              result: ScenarioResult) -> None:
        if step.set is not None:
            variables.update(_rendered(step.set, variables))
            return
        resolved = self.endpoints[str(step.call)]
        assert isinstance(resolved, Resolved)
        operation = resolved.operation
        record = StepRecord(endpoint=resolved.name, method=operation.method)
        result.steps.append(record)
        template_body = _rendered(step.body, variables)
        template_query = _rendered(step.query, variables)
        params = _rendered(step.params, variables)
        token = _token(step.auth, variables)
        record.path = _fill_path(operation.path, operation.param_names, params, self.vocabulary)
        query, body = self._shape(operation, template_query, template_body, step.fill, record)
        coerced.update(body.coerced)
        coerced.update(query.coerced)
        record.query = query.value or None
        record.request = _excerpt(body.value, _REQUEST_EXCERPT) if body.value is not None else None
        try:
            reply = self.transport.request(operation.method, record.path, query.value, body.value, token)
        except Unanswered as exc:
            record.failure = str(exc)
            raise _Stop("error", f"{_where(result, record)}: {exc}") from exc
        self._record_reply(record, operation, reply)
        wanted = Expect.model_validate(_rendered(step.expect.model_dump(exclude_defaults=True), variables))
        failure = expect.check(wanted, reply.status, reply.body, self.vocabulary, coerced)
        if failure is None:
            failure = self._save(step.save, reply, template_body, variables)
        if failure:
            record.failure = failure
            raise _Stop("failed", f"{_where(result, record)}: {failure}")

    def _shape(self, operation: Operation, query: dict[str, Any], body: Any, fill: bool,
               record: StepRecord) -> tuple[Shaped, Shaped]:
        """Query parameters and JSON body to send; a search done with a body (`PATCH /todos`)
        gets the step's query as its body."""
        if query and operation.method != "GET" and operation.takes_body():
            body = {**query, **(body or {})}
            query = {}
        shaped_query = self.shaper.query(query, operation.query_parameters())
        if operation.takes_body():
            shaped_body = self.shaper.body(body if body is not None else {}, operation.request_schema(), fill)
        else:
            shaped_body = Shaped(None)
            if body:
                shaped_body.notes.append("the operation takes no request body; the step's body was not sent")
        record.notes = [*shaped_query.notes, *shaped_body.notes]
        return shaped_query, shaped_body

    def _record_reply(self, record: StepRecord, operation: Operation, reply: Reply) -> None:
        record.status = reply.status
        record.elapsed_ms = reply.elapsed_ms
        record.response = _excerpt(reply.body, _RESPONSE_EXCERPT) if reply.body is not None else None
        found = self.checker.check(operation, reply.status, reply.body, reply.has_json)
        if found.checked:
            record.conformance = "conformant" if found.conformant else "nonconformant"
            record.conformance_findings = found.findings

    def _save(self, save: dict[str, str], reply: Reply, sent: Any, variables: dict[str, Any]) -> str | None:
        for name, source in save.items():
            optional = source.endswith("?")
            value = _source(source.rstrip("?"), reply, sent, self.vocabulary)
            if value is reading.MISSING or value is None:
                if optional:
                    continue
                where = "request" if source.startswith("request.") else "response"
                return f"could not save {name}: no {source} in the {where}"
            variables[name] = value
        return None


def _source(source: str, reply: Reply, sent: Any, vocabulary: Vocabulary) -> Any:
    body = reply.body
    if source == "$token":
        return reading.token(body, "access") or reading.MISSING
    if source == "$refresh":
        return reading.token(body, "refresh") or reading.MISSING
    if source == "$id":
        return reading.item_id(body)
    if source == "$status":
        return reply.status
    head, _, path = source.partition(".")
    if head == "body":
        return reading.find(body, path, vocabulary)
    if head == "request":
        return reading.find(sent, path, vocabulary)
    if head == "list":
        found = reading.items(body)
        index, _, rest = path.partition(".")
        if found is None or not index.isdigit() or int(index) >= len(found):
            return reading.MISSING
        return reading.find(found[int(index)], rest, vocabulary) if rest else found[int(index)]
    raise _Stop("error", f"unknown save source {source!r} (use $token, $refresh, $id, $status, "
                         "body.<path>, request.<key>, list.<n>.<path>)")


def _rendered(value: Any, variables: dict[str, Any]) -> Any:
    try:
        return render(value, variables)
    except MissingVariable as exc:
        raise _Stop("error", f"the scenario uses {{{{{exc.args[0]}}}}}, which no earlier step saved") from exc


def _token(actor: str | None, variables: dict[str, Any]) -> str | None:
    """The Bearer token of the actor named by `auth` (itself possibly a template)."""
    if actor is None:
        return None
    name = _rendered(actor, variables)
    return str(_rendered("{{" + str(name) + ".token}}", variables))


def _fill_path(path: str, names: list[str], given: list[Any] | dict[str, Any], vocabulary: Vocabulary) -> str:
    """The path with its parameters filled: from a list in order (outer first), or from a mapping
    by the noun each parameter names (`communityId` <- `community`), so nested and flat layouts
    take the same step."""
    if isinstance(given, dict):
        values = []
        for name in names:
            noun = _noun(name)
            match = vocabulary.match(noun, given) or vocabulary.match(name, given)
            if match is None:
                raise _Stop("error", f"{path}: no value for path parameter {name!r} (the step gives {sorted(given)})")
            values.append(given[match])
    else:
        values = list(given)
    if len(names) != len(values):
        raise _Stop("error", f"{path} has {len(names)} path parameters ({', '.join(names) or 'none'}), "
                             f"the step gives {len(values)}")
    segments = path.split("/")
    filled = iter(values)
    for i, segment in enumerate(segments):
        if segment.startswith("{") or segment.startswith(":"):
            segments[i] = quote(str(next(filled)), safe="")
    return "/".join(segments)


def _noun(parameter: str) -> str:
    """`todoItemId` -> `todo item`, `post_id` -> `post`: what a path parameter identifies."""
    parts = list(words(parameter))
    while len(parts) > 1 and parts[-1] in _ID_WORDS:
        parts.pop()
    return " ".join(parts)


def _where(result: ScenarioResult, record: StepRecord) -> str:
    return f"step {len(result.steps)} ({record.endpoint}: {record.method} {record.path})"


def _excerpt(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", errors="ignore") + "…"


def run_suite(base_url: str, openapi: dict[str, Any], suite: Suite | str, *, seeds: dict[str, Any] | None = None,
              timeout: float = REQUEST_TIMEOUT, deadline: float = SUITE_DEADLINE,
              only: list[str] | None = None) -> SuiteResult:
    """Run the suite's scenarios (or the `only` ids) against `base_url`, one after another.

    `suite` is a loaded suite or anything `load_suite` takes (built-in name, path)."""
    suite = suite if isinstance(suite, Suite) else load_suite(suite)
    started = time.monotonic()
    scenarios = [s for s in suite.scenarios if only is None or s.id in only]
    with Transport(base_url, timeout, started + deadline) as transport:
        play = _Play(suite, openapi, transport, dict(seeds or {}))
        results = [play.scenario(s) for s in scenarios]
        aborted = transport.gone
    totals, by_category, conformance = Tally(), {c: Tally() for c in CATEGORIES}, ConformanceTally()
    for result in results:
        totals.add(result.verdict)
        by_category[result.category].add(result.verdict)
        for step in result.steps:
            if step.conformance != "unchecked":
                conformance.responses_checked += 1
                setattr(conformance, step.conformance, getattr(conformance, step.conformance) + 1)
    endpoints = {name: (found.operation.label if isinstance(found, Resolved) else found.message)
                 for name, found in play.endpoints.items()}
    return SuiteResult(suite=suite.suite, base_url=base_url, seconds=round(time.monotonic() - started, 3),
                       aborted=aborted, endpoints=endpoints, totals=totals, by_category=by_category,
                       conformance=conformance, scenarios=results)
