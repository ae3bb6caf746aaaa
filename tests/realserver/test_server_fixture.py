"""The real llama-cpp-python server (0.3.36, SmolLM2-135M): it makes a forced named tool call, and the
facts about it that the farm relies on still hold. Each assertion here is an observed behaviour of
that exact version; when one fails, the server changed and the code relying on it must be revisited.
"""

from __future__ import annotations

import json

import httpx
import openai

TOOL = {
    "type": "function",
    "function": {
        "name": "set_answer",
        "description": "Record the answer.",
        "parameters": {"type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]},
    },
}
FORCE = {"type": "function", "function": {"name": "set_answer"}}
GRAMMAR_TROUBLE = ("failed to parse grammar", "error parsing grammar", "Failed to parse function body")


def chat(server, messages: list[dict], **extra) -> httpx.Response:  # noqa: ANN001
    body = {"model": server.model, "messages": messages, "tools": [TOOL], "tool_choice": FORCE,
            "temperature": 0, "max_tokens": 16, **extra}
    return httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=120)


def test_forced_named_tool_call_with_usage(llama_server) -> None:  # noqa: ANN001
    assert llama_server.alive() and llama_server.pid > 0
    assert "Uvicorn running on" in llama_server.log_text()
    client = openai.OpenAI(base_url=llama_server.base_url, api_key="not-needed", max_retries=0, timeout=120)
    mark = llama_server.log_mark()

    response = client.chat.completions.create(
        model=llama_server.model, messages=[{"role": "user", "content": "The answer is 42."}],
        tools=[TOOL], tool_choice=FORCE, temperature=0, max_tokens=64,
    )  # fmt: skip

    assert response.model == "smollm2-135m"
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls"  # always, even when cut at max_tokens
    assert choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.type == "function" and call.function.name == "set_answer"
    assert isinstance(json.loads(call.function.arguments)["answer"], int)  # the grammar enforced the schema
    usage = response.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    # An accepted grammar logs nothing of its own: only the absence of these lines tells.
    logged = llama_server.log_since(mark)
    assert '"POST /v1/chat/completions HTTP/1.1" 200' in logged
    assert not [line for line in logged.splitlines() if any(trouble in line for trouble in GRAMMAR_TROUBLE)]


def test_replayed_assistant_content_null_is_http_500_but_empty_string_works(llama_server) -> None:  # noqa: ANN001
    call = {"id": "call_1", "type": "function", "function": {"name": "set_answer", "arguments": '{"answer": 41}'}}

    def replay(assistant: dict) -> httpx.Response:
        return chat(llama_server, [{"role": "user", "content": "The answer?"}, assistant,
                                   {"role": "user", "content": "Wrong: it is 42."}], max_tokens=8)

    null = replay({"role": "assistant", "content": None, "tool_calls": [call]})
    assert null.status_code == 500, null.text
    error = null.json()["error"]
    assert error["type"] == "internal_server_error"
    assert "'ChatCompletionRequestAssistantMessage', 'content'), 'msg': 'Input should be a valid string'" in error["message"]

    missing = replay({"role": "assistant", "tool_calls": [call]})
    assert missing.status_code == 500 and "has no attribute 'content'" in missing.text

    empty = replay({"role": "assistant", "content": "", "tool_calls": [call]})
    assert empty.status_code == 200, empty.text
    assert empty.json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "set_answer"
    assert llama_server.alive()


def test_models_entry_and_missing_llama_cpp_endpoints(llama_server) -> None:  # noqa: ANN001
    models = httpx.get(f"{llama_server.base_url}/models", timeout=10)
    assert models.json() == {
        "object": "list",
        "data": [{"id": "smollm2-135m", "object": "model", "owned_by": "me", "permissions": []}],
    }
    # llama.cpp's C++ llama-server has these; llama-cpp-python's server does not (a way to tell them apart).
    for path in ("/props", "/health", "/slots", "/v1/props", "/v1/health", "/metrics"):
        response = httpx.get(llama_server.root_url + path, timeout=10)
        assert (response.status_code, response.json()) == (404, {"detail": "Not Found"}), path


def test_grammar_the_parser_refuses_kills_the_server(start_llama_server) -> None:  # noqa: ANN001
    """The converter emits `\\.` as is; the C parser rejects the grammar; sampling segfaults."""
    server = start_llama_server()
    tool = {"type": "function", "function": {"name": "pick", "parameters": {
        "type": "object", "properties": {"f": {"type": "string", "pattern": "^[a-z]+\\.md$"}}, "required": ["f"]}}}
    body = {"model": server.model, "messages": [{"role": "user", "content": "file?"}], "tools": [tool],
            "tool_choice": {"type": "function", "function": {"name": "pick"}}, "temperature": 0, "max_tokens": 8}

    try:
        response = httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=60)
        raise AssertionError(f"the server answered: {response.status_code} {response.text[:300]}")
    except httpx.RemoteProtocolError:  # "Server disconnected without sending a response."
        pass
    assert server.process.wait(timeout=10) == -11  # SIGSEGV
    log = server.log_text()
    assert 'parse: error parsing grammar: unknown escape at \\.md" "\\"" space' in log
    assert "failed to parse grammar" in log.splitlines()
    assert "POST /v1/chat/completions" not in log  # it died before answering
    assert not server.alive()
