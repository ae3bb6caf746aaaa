"""`farm probe` against the real llama-cpp-python server: the per-phase conformance table a user
sees, with every phase's wire schema accepted, and what the server honours."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from farm.cli import app
from tests.realserver.conftest import LlamaServer
from workers.phases.base import PHASES
from workers.phases.registry import phase_tools

pytestmark = pytest.mark.integration

GRAMMAR_FAILURES = ("failed to parse grammar", "Failed to parse function body as JSON schema", "Unsupported pattern")


@pytest.mark.timeout(900)  # ~1 min on 2 idle cores: 14 grammar-constrained calls of up to 48 tokens
def test_the_probe_shows_every_phase_accepted_by_the_real_server(llama_server: LlamaServer) -> None:
    mark = llama_server.log_mark()
    result = CliRunner().invoke(app, ["probe", llama_server.model, "--base-url", llama_server.base_url],
                                env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    output = result.output
    assert "dialect llama.cpp (/v1/models owned_by='me')" in output and "feedback as user turns" in output
    for phase in PHASES:
        for tool in phase_tools(phase):
            assert re.search(rf"{phase}\s+{tool.name}\s+\d+\s+accepted", output), (tool.name, output)
    # What this server is known to honour and refuse (shared/real-servers.md), found by asking it.
    assert "named tool_choice: yes" in output and "required tool_choice: no" in output
    assert "null content in replay: no" in output
    assert llama_server.alive()
    log = llama_server.log_since(mark)
    assert not [line for line in log.splitlines() if any(f in line for f in GRAMMAR_FAILURES)]
