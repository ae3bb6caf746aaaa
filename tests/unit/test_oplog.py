"""The operation log: where a phase's attempts and checkpoints land, and how a redelivery finds them."""

from __future__ import annotations

from pathlib import Path

from farm import keys
from farm.store import LocalStore
from workers.harness.operation import SETTLED, SUCCESS, VALIDATION_FAILURE, AttemptRecord
from workers.harness.usage import Usage
from workers.oplog import OperationLog

PHASE = keys.RunKeys("r", "m/x", "todo").phase("analyze")


def _log(store: LocalStore, delivery: str) -> OperationLog:
    return OperationLog(store, "r", "m/x", "todo", "analyze", PHASE, delivery)


def _attempt(op_id: str, n: int, outcome: str, started: float) -> AttemptRecord:
    return AttemptRecord(attempt_id=f"{op_id}-{n}", op_id=op_id, attempt=n, started_at=started, latency_ms=3.0,
                         request_digest="sha256:x", outcome=outcome, usage=Usage(input_tokens=10, cost_usd=0.001))


def test_a_failed_attempt_is_written_at_once_and_the_winner_inside_the_checkpoint(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    log = _log(store, "d1")
    log(_attempt("plan", 0, VALIDATION_FAILURE, 1.0))
    assert [k.rsplit("/", 1)[1] for k in store.list(PHASE.attempts)] == ["plan~d1-plan-0.json"]
    log(_attempt("plan", 1, SUCCESS, 2.0))
    assert len(store.list(PHASE.attempts)) == 1  # the winner waits for its checkpoint
    log.save_checkpoint("plan", {"status": "succeeded", "ast": {}})
    checkpoint = store.get_json(PHASE.op("plan"))
    assert checkpoint["attempt"]["attempt_id"] == "plan-1"
    assert checkpoint["attempt"]["outcome"] == SUCCESS
    assert [a["attempt_id"] for a in log.attempts()] == ["plan-0", "plan-1"]


def test_a_failed_operation_checkpoint_carries_no_attempt(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    log = _log(store, "d1")
    log(_attempt("plan", 0, VALIDATION_FAILURE, 1.0))
    log.save_checkpoint("plan", {"status": "model_failed", "reason": "retries exhausted"})
    assert "attempt" not in store.get_json(PHASE.op("plan"))
    assert [a["attempt_id"] for a in log.attempts()] == ["plan-0"]


def test_a_redelivery_reuses_checkpoints_and_lists_every_attempt_once(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    first = _log(store, "d1")
    first(_attempt("plan", 0, SUCCESS, 1.0))
    first.save_checkpoint("plan", {"status": "succeeded", "ast": {"a": 1}})
    first(_attempt("write-a", 0, VALIDATION_FAILURE, 2.0))
    first(_attempt("write-b", 0, SUCCESS, 2.5))
    first.save_checkpoint("write-b", {"status": "succeeded", "ast": {"b": 1}})
    # the worker dies here: write-a has a paid, failed attempt and no checkpoint

    second = _log(store, "d2")
    assert second.checkpoint("plan") == store.get_json(PHASE.op("plan"))
    assert second.checkpoint("write-a") is None
    second(_attempt("write-a", 1, SUCCESS, 3.0))
    second.save_checkpoint("write-a", {"status": "succeeded", "ast": {}})
    # write-b is never visited by the second delivery, yet its attempt is on record
    attempts = second.attempts()
    assert [a["attempt_id"] for a in attempts] == ["plan-0", "write-a-0", "write-b-0", "write-a-1"]


def test_a_fresh_phase_has_no_checkpoints(tmp_path: Path) -> None:
    log = _log(LocalStore(tmp_path), "d1")
    assert log.checkpoint("plan") is None
    assert log.attempts() == []


def test_a_delivery_that_ends_before_its_first_operation_still_reports_earlier_attempts(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    first = _log(store, "d1")
    first(_attempt("plan", 0, SUCCESS, 1.0))
    first.save_checkpoint("plan", {"status": "succeeded", "ast": {}})
    assert [a["attempt_id"] for a in _log(store, "d2").attempts()] == ["plan-0"]


def test_a_checkpoint_written_by_this_delivery_is_found_when_asked_again(tmp_path: Path) -> None:
    """`partial.settle` asks a phase's operations again after one failed: each must end as it first
    ended, from its checkpoint, not be called (and paid) again or get a fresh retry budget."""
    store = LocalStore(tmp_path)
    log = _log(store, "d1")
    assert log.checkpoint("write-a") is None  # the first lookup lists the store: nothing yet
    log(_attempt("write-a", 0, SUCCESS, 1.0))
    log.save_checkpoint("write-a", {"status": "succeeded", "ast": {"a": 1}})
    log(_attempt("write-b", 0, VALIDATION_FAILURE, 2.0))
    log.save_checkpoint("write-b", {"status": "model_failed", "reason": "retries exhausted"})

    assert log.checkpoint("write-a") == store.get_json(PHASE.op("write-a"))
    assert log.checkpoint("write-b") == {"status": "model_failed", "reason": "retries exhausted"}
    assert log.checkpoint("write-c") is None
    assert [a["attempt_id"] for a in log.attempts()] == ["write-a-0", "write-b-0"]


def test_a_call_is_on_record_from_the_moment_it_settles(tmp_path: Path) -> None:
    """Paid once, recorded once: a worker killed while checking an answer leaves it as `settled`;
    a final record, wherever it is kept, replaces the placeholder, and nothing is listed twice."""
    store = LocalStore(tmp_path)
    first = _log(store, "d1")
    for n, outcome in enumerate((VALIDATION_FAILURE, SUCCESS)):  # both settle, then end normally
        first.settled(_attempt("plan", n, SETTLED, float(n)))
        first(_attempt("plan", n, outcome, float(n)))
    first.save_checkpoint("plan", {"status": "succeeded", "ast": {}})
    first.settled(_attempt("write", 0, SETTLED, 5.0))  # ... and this delivery dies while checking it

    for log in (first, _log(store, "d2")):  # as the dying delivery saw it, and as its redelivery does
        assert [(a["attempt_id"], a["outcome"]) for a in log.attempts()] == [
            ("plan-0", VALIDATION_FAILURE), ("plan-1", SUCCESS), ("write-0", SETTLED)]
