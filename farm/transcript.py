"""A run's transcript from the store: per phase and operation, the prompt the model got, each of its
answers, the feedback it was sent on it, the outcome, tokens and cost (`farm run show`).

Everything here was redacted when it was recorded; it is read from the attempt records (the same
ones `calls.jsonl` is made of, read live so a running or resumed phase shows all of them), the
operations' checkpoints and their prompts (`prompts/`, one per operation).
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from farm import keys
from farm.store import Store
from workers.oplog import stored_attempts
from workers.phases.base import PHASES

CLIP_CHARS = 1200  # of each long text, in the terminal unless --full


def load(store: Store, round_id: str, model: str, project: str, phase: str | None = None,
         attempt: int | None = None) -> dict[str, Any]:  # fmt: skip
    """The run's transcript as data: phases in pipeline order, operations in the order they started,
    attempts numbered from 1 per operation. `attempt` keeps only that attempt of each operation."""
    run = keys.RunKeys(round_id, model, project)
    phases = []
    for name in [phase] if phase else PHASES:
        phase_keys = run.phase(name)
        records = stored_attempts(store, phase_keys)
        ended = store.get_json_or_none(phase_keys.result) or store.get_json_or_none(phase_keys.outcome)
        if not records and ended is None:
            continue
        operations: dict[str, dict[str, Any]] = {}
        for record in records:
            op = operations.setdefault(record["op_id"], _operation(store, phase_keys, record["op_id"]))
            op["attempts"].append(record | {"n": len(op["attempts"]) + 1})
        for op in operations.values():
            op["attempt_count"] = len(op["attempts"])
            op["attempts"] = [a for a in op["attempts"] if attempt is None or a["n"] == attempt]
        phases.append({
            "phase": name,
            "outcome": ended["outcome"] if ended else "unfinished",
            "reason": ended.get("reason", "") if ended else "",
            "operations": [op for op in operations.values() if op["attempts"]],
        })  # fmt: skip
    return {"round": round_id, "model": model, "project": project, "phases": phases}


def _operation(store: Store, phase_keys: keys.PhaseKeys, op_id: str) -> dict[str, Any]:
    checkpoint = store.get_json_or_none(phase_keys.op(op_id)) or {}
    prompt = store.get_json_or_none(phase_keys.prompt(op_id))
    return {
        "op_id": op_id,
        "tool": (prompt or checkpoint).get("tool"),
        "status": checkpoint.get("status", "unfinished"),
        "reason": checkpoint.get("reason", ""),
        "prompt": {"system": prompt["system"], "user": prompt["user"]} if prompt else None,
        "attempts": [],
    }


# ---------------------------------------------------------------- terminal


def _clip(text: str, full: bool) -> str:
    if full or len(text) <= CLIP_CHARS:
        return text
    return text[:CLIP_CHARS] + f"\n… {len(text) - CLIP_CHARS:,} more characters (--full shows them)"


def _pretty(text: str) -> str:
    """JSON (arguments, feedback) indented; anything else as it came."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _block(label: str, text: str, full: bool, style: str = "") -> list[RenderableType]:
    body = Text(_clip(text, full), style=style)  # a Text, never markup: these are the model's words
    return [Text(f"    {label}", style="bold"), Padding(body, (0, 0, 0, 6), expand=False)]


def _answer(response: dict[str, Any]) -> str:
    calls = response.get("tool_calls") or []
    parts = [f"{c['name']}({_pretty(c['arguments'])})" for c in calls]
    return "\n".join([response["content"], *parts] if response.get("content") else parts)


def _attempt(record: dict[str, Any], last_of_failed_op: bool, full: bool) -> list[RenderableType]:
    usage = record["usage"]
    outcome_style = "green" if record["outcome"] == "success" else "bold red"
    head = Text.assemble(
        f"  attempt {record['n']} · ", (record["outcome"], outcome_style),
        f" · {usage['input_tokens']:,} in ({usage['cached_tokens']:,} cached) / {usage['output_tokens']:,} out"
        f" · ${usage['cost_usd']:.6f} · {record['latency_ms']:.0f} ms" + (f" · {record['provider']}" if record.get("provider") else ""),
    )  # fmt: skip
    parts: list[RenderableType] = [head]
    if record.get("detail"):
        parts += _block("detail", record["detail"], full, "dim")
    if record.get("response"):
        parts += _block("answer", _answer(record["response"]), full)
    if record.get("feedback"):
        label = "feedback (not sent: the operation ended here)" if last_of_failed_op else "feedback sent"
        parts += _block(label, _pretty(record["feedback"]), full, "yellow")
    return parts


def render(transcript: dict[str, Any], full: bool = False) -> Group:
    """The transcript for a terminal; long texts clipped unless `full`."""
    parts: list[RenderableType] = [Text(f"{transcript['model']} × {transcript['project']} — round {transcript['round']}",
                                        style="bold")]  # fmt: skip
    for phase in transcript["phases"]:
        parts.append(Text.assemble("\n", (phase["phase"], "bold underline"), f": {phase['outcome']}",
                                   (f" — {phase['reason']}" if phase["reason"] else "", "dim")))  # fmt: skip
        for op in phase["operations"]:
            failed = op["status"] == "model_failed"
            parts.append(Text(f" operation {op['op_id']} ({op['tool'] or '?'}): {op['status']} after "
                              f"{op['attempt_count']} attempt(s)"
                              + (f" — {op['reason']}" if op["reason"] not in ("", phase["reason"]) else "")))  # fmt: skip
            if op["prompt"]:
                parts += _block("system prompt", op["prompt"]["system"], full, "dim")
                parts += _block("user prompt", op["prompt"]["user"], full, "dim")
            for record in op["attempts"]:
                parts += _attempt(record, failed and record["n"] == op["attempt_count"], full)
    if not transcript["phases"]:
        parts.append(Text("nothing on record for this run yet", style="dim"))
    return Group(*parts)

