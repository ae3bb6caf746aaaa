"""Keep API keys out of everything the farm records, logs or prints.

A provider's text (an error message, an answer) is not ours to trust: some endpoints echo the key
they were sent ("Incorrect API key provided: sk-…"). `redact` removes, before such text reaches
the ledger, the store, a log or a terminal:

- the secrets it is given, the keys this process read for its endpoints (`remember_secret`), and
  the values of environment variables named like keys (`*_API_KEY`, `*_KEY`, `*_TOKEN`, `*_SECRET`);
- anything shaped like a key: the known key prefixes (`sk-…`, `sk-or-v1-…`, `sk-ant-…`, `hf_…`,
  `ghp_…`, `AKIA…`, JWTs …), `Bearer <token>`, `api_key=<value>`, and long random-looking tokens.

"Random-looking" is judged by how a token (32 characters or more) splits into words: an identifier
or a path breaks into few long words (`getUserById2FactorCode`, `create_todo_item_v2`), a key into
many short runs of mixed case and digits (about 1 in 50 random 32-character keys passes for words;
longer ones almost never). Canonical UUIDs (request ids) are kept. Secrets shorter than
`MIN_SECRET_CHARS` are never searched for: a placeholder such as "not-needed" is not a key, and
removing a short word would mangle ordinary text.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable
from typing import Any

REDACTED = "[REDACTED]"  # upper case: not a markup tag to rich, which prints most of these texts
MIN_SECRET_CHARS = 12
RANDOM_TOKEN_CHARS = 32  # a token this long or longer is judged for randomness
_RANDOM_PIECES_PER_CHAR = 0.30  # keys ≈ 0.4–0.6 pieces per char; identifiers and paths ≲ 0.28
_RANDOM_DIGIT_RUNS_PER_CHAR = 0.12  # lower-case (or upper-case) keys: digits scattered all along
_PATH_SLASHES = 3  # a token starting with "/" and this many in all is a path (a base64 key rarely is)

_remembered: set[str] = set()
_lock = threading.Lock()

_KEY_ENV_NAME = re.compile(r"(API_?KEY|_KEY|_TOKEN|_SECRET|_PASSWORD)$", re.IGNORECASE)

_PREFIXED = re.compile(
    r"""(?<![A-Za-z0-9])(?:
        sk-(?=[A-Za-z_\-]*[0-9])[A-Za-z0-9_\-]{16,}   # OpenAI, OpenRouter (sk-or-v1-), Anthropic (sk-ant-), DeepSeek
      | (?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}     # Stripe
      | (?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}  # GitHub
      | (?:hf|gsk|r8|fw)_[A-Za-z0-9]{20,}            # Hugging Face, Groq, Replicate, Fireworks
      | (?:pplx|nvapi|xai|glpat)-[A-Za-z0-9_\-]{20,} # Perplexity, NVIDIA, xAI, GitLab
      | xox[abposr]-[A-Za-z0-9\-]{10,}               # Slack
      | (?:AKIA|ASIA)[0-9A-Z]{16}                    # AWS access key ids
      | AIza[0-9A-Za-z_\-]{35}                       # Google
      | eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}  # a JWT
    )""",
    re.VERBOSE,
)
# `Bearer <token>` / `Basic <token>`: the scheme stays, the credential goes. A credential has a digit
# (so "Bearer authentication failed" is left alone).
_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+)(?=[A-Za-z._~+/=\-]*\d)[A-Za-z0-9._~+/=\-]{8,}")
# `api_key: value`, `"x-api-key": "value"`, `authorization=value`, `access_token=value`, `password: value`.
_ASSIGNED = re.compile(
    r"""(?i)\b((?:x-)?api[_-]?key|authorization|access[_-]?token|refresh[_-]?token|client[_-]?secret|secret[_-]?key|password)"""
    r"""(["']?\s*[:=]\s*["']?)(?=[^\s"',;}]*\d)[^\s"',;}]{8,}"""
)
_TOKEN = re.compile(rf"(?<![A-Za-z0-9_\-+/=])[A-Za-z0-9_\-+/=]{{{RANDOM_TOKEN_CHARS},}}")
# What each pattern needs to find in a text at all (lower-cased): a text with none of them skips
# the pattern's scan (prompts run to 50 kB, and each is redacted as it is kept).
_PREFIXED_NEEDS = ("sk-", "sk_", "rk_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "hf_", "gsk_", "r8_",
                   "fw_", "pplx-", "nvapi-", "xai-", "glpat-", "xox", "akia", "asia", "aiza", "eyj")
_SCHEME_NEEDS = ("bearer", "basic")
_ASSIGNED_NEEDS = ("api", "authorization", "access", "refresh", "client", "secret", "password")
_PIECE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_DIGIT_RUN = re.compile(r"[0-9]+")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def remember_secret(value: str | None) -> None:
    """A key this process holds (read from the environment for an endpoint): redacted from now on."""
    if value and len(value) >= MIN_SECRET_CHARS:
        with _lock:
            _remembered.add(value)


def known_secrets() -> set[str]:
    """The remembered keys and the values of key-named environment variables."""
    from_env = {
        value for name, value in os.environ.items()
        if _KEY_ENV_NAME.search(name) and len(value) >= MIN_SECRET_CHARS and "/" not in value and not value.isspace()
    }  # fmt: skip
    with _lock:
        return from_env | _remembered


def looks_random(token: str) -> bool:
    """Is a long token (letters, digits, `_-+/=`) random-looking rather than words?"""
    if len(token) < RANDOM_TOKEN_CHARS or _UUID.match(token):
        return False
    if token.startswith("/") and token.count("/") >= _PATH_SLASHES:
        # An absolute path: its parts are judged, so that a temporary directory's random suffix
        # (`/tmp/farm-verify-k2j3h4g5/pg`) does not hide the whole path from the operator.
        return any(looks_random(part) for part in token.split("/"))
    letters = sum(c.isalpha() for c in token)
    digits = sum(c.isdigit() for c in token)
    if letters < 2 or digits < 2:
        return False  # a long word or number, not a key
    if len(_PIECE.findall(token)) / len(token) >= _RANDOM_PIECES_PER_CHAR:
        return True
    # One-case keys (hex, base36) split into longer runs; they have no word separators, and digits
    # all along rather than a version or a date here and there.
    return "_" not in token and "-" not in token and len(_DIGIT_RUN.findall(token)) / len(token) >= _RANDOM_DIGIT_RUNS_PER_CHAR


def _random_token(match: re.Match[str]) -> str:
    return REDACTED if looks_random(match.group(0)) else match.group(0)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the given secrets (None and short ones are ignored), the known ones, or
    anything shaped like a key."""
    if not text:
        return text
    wanted = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_CHARS}
    for secret in sorted(wanted | known_secrets(), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    lower = text.lower()
    if any(needed in lower for needed in _PREFIXED_NEEDS):
        text = _PREFIXED.sub(REDACTED, text)
    if any(needed in lower for needed in _SCHEME_NEEDS):
        text = _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    if any(needed in lower for needed in _ASSIGNED_NEEDS):
        text = _ASSIGNED.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _TOKEN.sub(_random_token, text)


def redact_value(value: Any, secrets: Iterable[str | None] = ()) -> Any:
    """Every string in a JSON-like value (dicts, lists) redacted; keys and other values kept."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: redact_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v, secrets) for v in value]
    return value


def secrets_of_request(exc: BaseException) -> list[str]:
    """The credential an HTTP client's error carries in its request (`Authorization: Bearer …`,
    `x-api-key`, `api-key`): the very key an endpoint might echo back."""
    request = getattr(exc, "request", None)
    headers = getattr(request, "headers", None)
    if headers is None:
        return []
    found = []
    for name in ("authorization", "x-api-key", "api-key"):
        try:
            value = headers.get(name)
        except Exception:  # noqa: BLE001 - a foreign request object
            return found
        if value:
            found.append(value.split(None, 1)[1] if name == "authorization" and " " in value else value)
    return found


class _RedactingFactory:
    """Wraps the log record factory: a record's message (and traceback) are redacted when made, so
    every handler, formatter and process-forked child writes the clean text."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: the handler reports it as usual
            return record
        record.msg, record.args = redact(message), ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None  # no handler formats the raw traceback again
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record


def install_log_redaction() -> None:
    """Redact every log record this process makes (idempotent)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(current))
