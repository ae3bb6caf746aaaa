"""An endpoint that echoes the API key must not get it stored, logged or printed.

The simulator's `invalid_key` (401) and `server_error_echoing_key` (500) quote the request's key
back, as some providers do. A round runs through a real worker with the key in the environment
(`api_key_env`); then every file of the store, Redis' AOF and RDB, the worker's log and the CLI's
outputs (`farm round submit`'s preflight, `farm probe`, `farm round status`) are searched for it.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import yaml
from typer.testing import CliRunner

from farm.cli import app
from farm.ledger import JobKey, Ledger
from farm.outcomes import JobState
from farm.redact import REDACTED, install_log_redaction, looks_random, redact, remember_secret
from farm.redis_server import RedisServer
from farm.sim import SimAdmin, SimServer
from tests.integration.rounds import wait_complete
from tests.servers import WorkerProcess

# ---------------------------------------------------------------- redact, alone

ORDINARY = [
    "The server had an error while processing your request.",
    "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens (5000 in the "
    "messages, 4000 in the completion).",
    "Rate limit reached for requests. Request ID: 123e4567-e89b-12d3-a456-426614174000",
    "1 validation error for CreateChatCompletionRequest\nmessages.3.content\n  Field required "
    "[type=missing, input_value={'role': 'assistant'}, input_type=dict]",
    "src/controllers/UserAccountsController2.ts(12,5): error TS2345: Argument of type 'string' is not "
    "assignable to parameter of type 'number'.",
    "prisma/schema/todos.prisma:14 the relation field `todoItemsWithDueDateV2` is missing an opposite field",
    "create_todo_item_with_due_date_v2 getUserById2FactorAuthenticationCodeV2 TS2345ArgumentOfTypeStringIsNotAssignable",
    "2026_12_07_032813_create_users_table v1_2_3_beta4_release_candidate_x86_64_linux_gnu",
    "a Bearer token is missing; Bearer authentication failed; the api_key field is empty",
    "pk_todo_items_id_column sk_created_at_timestamp_index task-sk-learn-compatible-estimators",
    "https://openrouter.ai/api/v1/chat/completions answered 502 Bad Gateway",
    '{"actors": [{"name": "member", "kind": "authenticated"}], "documents": ["01-overview.md"]}',
    "request_digest sha256:e3b0c442 (short hashes and ids stay)",
    "",
]

KEY_SHAPED = {
    "Incorrect API key provided: sk-proj-Abc123Def456Ghi789Jkl012Mno345. You can find it in settings.":
        "Incorrect API key provided: [REDACTED]. You can find it in settings.",
    "key sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef was revoked":
        "key [REDACTED] was revoked",
    "Authorization: Bearer abcdefgh12345678ZZ": "Authorization: Bearer [REDACTED]",
    'headers {"x-api-key": "k3y-value-12345"}': 'headers {"x-api-key": "[REDACTED]"}',
    "token hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345 denied": "token [REDACTED] denied",
    "id AKIAIOSFODNN7EXAMPLE denied": "id [REDACTED] denied",
    "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok":
        "jwt [REDACTED] ok",
    "opaque 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 ok": "opaque [REDACTED] ok",
    "opaque Zq3vT9xL2mB7nK4pR8sW1yC6hJ5dF0gA ok": "opaque [REDACTED] ok",
}


@pytest.mark.parametrize("text", ORDINARY)
def test_redact_keeps_ordinary_text(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(("text", "clean"), KEY_SHAPED.items())
def test_redact_removes_what_is_shaped_like_a_key(text: str, clean: str) -> None:
    assert redact(text) == clean


def test_redact_removes_the_given_and_remembered_secrets_whatever_their_shape() -> None:
    words = "correct-horse-battery-staple-" + secrets.token_hex(2)  # not key-shaped: only its value gives it away
    assert not looks_random(words) and redact(f"bad key {words}!") == f"bad key {words}!"
    assert redact(f"bad key {words}!", [words]) == f"bad key {REDACTED}!"
    assert redact("placeholder not-needed", ["not-needed"]) == "placeholder not-needed"  # too short to be a key
    remember_secret(words)
    assert redact(f"bad key {words}!") == f"bad key {REDACTED}!"


def test_random_keys_are_found_and_identifiers_are_not() -> None:
    alphabets = ["0123456789abcdef", "abcdefghijklmnopqrstuvwxyz0123456789",
                 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"]
    rng = __import__("random").Random(7)
    for alphabet in alphabets:
        found = sum(looks_random("".join(rng.choice(alphabet) for _ in range(40))) for _ in range(500))
        assert found >= 490, alphabet


def test_paths_with_a_random_suffix_stay_whole_and_a_key_in_a_path_does_not() -> None:
    """mkdtemp's suffix made a third of temporary paths look random: an operator lost the path."""
    rng = __import__("random").Random(11)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_"
    paths = [f"/tmp/farm-verify-test-{''.join(rng.choice(alphabet) for _ in range(8))}/pg/slot-0" for _ in range(300)]
    assert [path for path in paths if redact(f"cannot create {path}: a file is there") != f"cannot create {path}: a file is there"] == []
    key = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(40))
    assert looks_random(key) and redact(f"/srv/keys/{key}/current") == REDACTED


def test_log_records_are_redacted_message_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    key = "sk-or-v1-" + secrets.token_hex(32)
    before = logging.getLogRecordFactory()
    try:
        install_log_redaction()
        install_log_redaction()  # idempotent
        log = logging.getLogger("benchfarm.test_secrets")
        with caplog.at_level(logging.INFO, logger="benchfarm.test_secrets"):
            log.info("provider said %s", f"Incorrect API key provided: {key}")
            try:
                raise RuntimeError(f"echo {key}")
            except RuntimeError:
                log.exception("failed")
        text = caplog.text
    finally:
        logging.setLogRecordFactory(before)
    assert key not in text and "Incorrect API key provided: [REDACTED]" in text and "RuntimeError: echo [REDACTED]" in text


# ---------------------------------------------------------------- a round through a real worker


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of its own with AOF on (everysec), as deployed, whose files the test can read."""
    with RedisServer(data_dir=tmp_path / "redis-data") as server:
        yield server


def _round_file(path: Path, round_id: str) -> Path:
    models = [{"id": m, "endpoint": {"kind": "simulator", "api_key_env": "SIM_CREDENTIAL"},
               "prices": {"input": 0.5, "output": 1.5}, "concurrency": 2} for m in ("sim/clean", "sim/learner")]
    path.write_text(yaml.safe_dump({"round": round_id, "projects": ["todo"], "phases": ["analyze"], "models": models,
                                    "retry": {"validation": 3, "compiler": 3, "missing_call": 2, "transport": 3},
                                    "budgets": {"round_usd": 1.0}}))
    return path


ECHOED = "Incorrect API key provided: [REDACTED]"


def _flat(text: str) -> str:
    return "".join(text.split())  # a key wrapped across lines by the terminal is still found


@pytest.mark.integration
def test_an_endpoint_echoing_the_key_gets_it_nowhere(
    aof_redis: RedisServer, tmp_path: Path, sim: SimServer, sim_admin: SimAdmin,
    start_worker: Callable[..., WorkerProcess], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # Not key-shaped, and in a variable not named like a key: only the farm's knowledge of the
    # endpoint's key (and of the request's Authorization header) can redact it.
    key = "farm-" + "-".join(["correct", "horse", "battery", "staple"]) + "-" + secrets.token_hex(3)
    assert not looks_random(key)
    store_dir = tmp_path / "store"
    env = {"FARM_REDIS_URL": aof_redis.url, "FARM_STORE": str(store_dir), "FARM_SIM_URL": sim.base_url,
           "SIM_CREDENTIAL": key, "COLUMNS": "300"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    round_file = _round_file(tmp_path / "round.yaml", "leaky")
    cli = CliRunner()

    # The preflight meets the echo (and refuses the round), as does `farm probe`.
    sim_admin.inject("invalid_key", model="sim/learner")
    refused = cli.invoke(app, ["round", "submit", str(round_file)])
    assert refused.exit_code == 1 and _flat(ECHOED) in _flat(refused.output), refused.output
    sim_admin.inject("invalid_key", model="sim/learner")
    probed = cli.invoke(app, ["probe", str(round_file), "--quick"])
    assert probed.exit_code == 1 and _flat(ECHOED) in _flat(probed.output), probed.output
    sim_admin.inject("invalid_key", model="sim/learner")
    probed_json = cli.invoke(app, ["probe", str(round_file), "--quick", "--json"])
    assert ECHOED in probed_json.output, probed_json.output

    # The round: sim/clean meets one 500 echoing the key (retried, then it succeeds), sim/learner a
    # 401 echoing it (the job ends infra_failed, its reason quoting the provider).
    sim_admin.reset()
    sim_admin.inject("server_error_echoing_key", model="sim/clean")
    sim_admin.inject("invalid_key", model="sim/learner")
    worker = start_worker(aof_redis.url, str(store_dir), extra_env={"SIM_CREDENTIAL": key})
    submitted = cli.invoke(app, ["round", "submit", str(round_file), "--no-preflight"])
    assert submitted.exit_code == 0, submitted.output
    ledger = Ledger.from_url(aof_redis.url)
    wait_complete(ledger, "leaky", timeout=120)
    assert sim_admin.stats()["by_behaviour"].get("invalid_key") == 1
    assert ledger.job("leaky", JobKey("sim/clean", "todo", "analyze")).state is JobState.SUCCEEDED
    learner = ledger.job("leaky", JobKey("sim/learner", "todo", "analyze"))
    assert learner.state is JobState.INFRA_FAILED
    assert "Incorrect API key provided: [REDACTED]" in learner.reason and "not retryable" in learner.reason, learner.reason
    assert "after 1 attempt(s)" in learner.reason  # one call, not the operation's whole count

    status = cli.invoke(app, ["round", "status", "leaky"])
    status_json = cli.invoke(app, ["round", "status", "leaky", "--json"])
    assert status.exit_code == 0 and status_json.exit_code == 0
    assert ECHOED in status_json.output and _flat(ECHOED) in _flat(status.output), status.output

    # Where the echo went, redacted: calls.jsonl (both faults), outcome.json, the ledger, the log.
    stored = {p: p.read_bytes() for p in store_dir.rglob("*") if p.is_file()}
    calls = b"".join(data for p, data in stored.items() if p.name == "calls.jsonl")
    assert b"The upstream refused the request made with key [REDACTED]" in calls
    assert b"Incorrect API key provided: [REDACTED]" in calls
    outcome = json.loads(next(data for p, data in stored.items() if p.name == "outcome.json"))
    assert "Incorrect API key provided: [REDACTED]" in outcome["reason"]

    client = redis.Redis.from_url(aof_redis.url)
    client.config_set("rdbcompression", "no")  # so the RDB's strings can be searched
    client.save()
    redis_files = {p: p.read_bytes() for p in (tmp_path / "redis-data").rglob("*") if p.is_file()}
    assert any(b"Incorrect API key provided: [REDACTED]" in data for p, data in redis_files.items() if "aof" in p.name)
    assert any(b"Incorrect API key provided: [REDACTED]" in data for p, data in redis_files.items() if p.suffix == ".rdb")
    worker_log = worker.log.read_text(errors="replace")
    assert "Incorrect API key provided: [REDACTED]" in worker_log

    # And the key itself: nowhere.
    leaks = [str(p) for p, data in {**stored, **redis_files}.items() if key.encode() in data]
    assert leaks == []
    for name, text in {"worker log": worker_log, "preflight": refused.output, "probe": probed.output,
                       "probe --json": probed_json.output, "status": status.output,
                       "status --json": status_json.output, "submit": submitted.output}.items():
        assert key not in text and _flat(key) not in _flat(text), name
