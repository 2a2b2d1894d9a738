"""What each integration adds per tool call: the same call with and without the guard attached.

    python benchmarks/integrations_overhead.py [--n 200]

For each integration a safe call (`ls -la /tmp`, approved by the rules) is run through the real
framework twice — bare and guarded — and the difference of the medians is the overhead the
guard adds (judgement, the integration's translation, the bridge). The first guarded call is
reported apart (cold: parsers and the shield model load). `Guard.judge_sync` alone is the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from sentinel_guard import Guard, ToolCall

CALL = {"command": "ls -la /tmp"}


def paired(bare: Callable[[], Any], guarded: Callable[[], Any], n: int) -> tuple[float, float, float]:
    """(first guarded call, median bare, median guarded) in ms; the two alternate so drift hits both alike."""
    for _ in range(3):
        bare()
    start = time.perf_counter()
    guarded()
    cold = (time.perf_counter() - start) * 1000
    samples: dict[int, list[float]] = {0: [], 1: []}
    for i in range(2 * n):
        fn = guarded if i % 2 else bare
        start = time.perf_counter()
        fn()
        samples[i % 2].append((time.perf_counter() - start) * 1000)
    return cold, statistics.median(samples[0]), statistics.median(samples[1])


def guard_alone(n: int) -> tuple[float, float, float]:
    guard = Guard()
    call = ToolCall(tool="shell", args=CALL)
    return paired(lambda: None, lambda: guard.judge_sync(call), n)


def mcp(n: int) -> tuple[float, float, float]:
    from fastmcp import Client, FastMCP
    from sentinel_guard.integrations.mcp_proxy import guard_proxy

    upstream = FastMCP("bench")

    @upstream.tool
    def shell(command: str) -> str:
        return command

    from fastmcp.server import create_proxy

    loop = asyncio.new_event_loop()
    bare_client, guarded_client = Client(create_proxy(upstream)), Client(guard_proxy(upstream, Guard()))
    loop.run_until_complete(bare_client.__aenter__())
    loop.run_until_complete(guarded_client.__aenter__())
    try:
        return paired(lambda: loop.run_until_complete(bare_client.call_tool("shell", CALL)),
                      lambda: loop.run_until_complete(guarded_client.call_tool("shell", CALL)), n)
    finally:
        loop.run_until_complete(guarded_client.__aexit__(None, None, None))
        loop.run_until_complete(bare_client.__aexit__(None, None, None))
        loop.close()


def openai_agents(n: int) -> tuple[float, float, float]:
    from agents import Agent, Model, ModelResponse, RunConfig, Runner, Usage, function_tool
    from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText
    from sentinel_guard.integrations.openai_agents import SentinelToolGuardrails

    class OneCall(Model):
        def __init__(self) -> None:
            self.turn = 0

        async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
            self.turn += 1
            if self.turn % 2:
                out: Any = ResponseFunctionToolCall(type="function_call", call_id=f"c{self.turn}", name="shell",
                                                    arguments=json.dumps(CALL))
            else:
                out = ResponseOutputMessage(id="m", type="message", role="assistant", status="completed",
                                            content=[ResponseOutputText(type="output_text", text="ok", annotations=[])])
            return ModelResponse(output=[out], usage=Usage(), response_id=None)

        def stream_response(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError

    def build(guarded: bool) -> Callable[[], Any]:
        @function_tool
        def shell(command: str) -> str:
            """Run a command."""
            return command

        agent = Agent(name="a", model=OneCall(), tools=[shell])
        if guarded:
            SentinelToolGuardrails(Guard()).attach(shell)
        config = RunConfig(tracing_disabled=True)
        return lambda: Runner.run_sync(agent, "list /tmp", run_config=config)

    return paired(build(False), build(True), n)


def langchain(n: int) -> tuple[float, float, float]:
    from langchain.agents import create_agent
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_core.tools import tool
    from sentinel_guard.integrations.langchain import SentinelMiddleware

    @tool
    def shell(command: str) -> str:
        """Run a command."""
        return command

    class Model(GenericFakeChatModel):
        def bind_tools(self, tools: Any, **kwargs: Any) -> Model:  # type: ignore[override]
            return self

    def turns() -> Any:
        while True:
            yield AIMessage(content="", tool_calls=[{"name": "shell", "args": CALL, "id": "c1", "type": "tool_call"}])
            yield AIMessage(content="ok")

    def build(middleware: list[Any]) -> Callable[[], Any]:
        agent = create_agent(Model(messages=turns()), tools=[shell], middleware=middleware)
        return lambda: agent.invoke({"messages": [HumanMessage("list /tmp")]})

    return paired(build([]), build([SentinelMiddleware(Guard())]), n)


def litellm(n: int) -> tuple[float, float, float]:
    import os

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from litellm.types.utils import ChatCompletionMessageToolCall, Choices, Function, Message, ModelResponse
    from sentinel_guard.integrations.litellm import SentinelGuardrail

    guardrail = SentinelGuardrail(guard=Guard(), guardrail_name="bench", default_on=True)
    data = {"model": "m", "messages": [{"role": "user", "content": "list /tmp"}]}

    def response() -> ModelResponse:
        call = ChatCompletionMessageToolCall(id="c1", type="function",
                                             function=Function(name="shell", arguments=json.dumps(CALL)))
        return ModelResponse(choices=[Choices(index=0, message=Message(role="assistant", content=None,
                                                                         tool_calls=[call]), finish_reason="tool_calls")])

    async def both() -> None:
        await guardrail.async_pre_call_hook(None, None, data, "completion")
        await guardrail.async_post_call_success_hook(data, None, response())

    loop = asyncio.new_event_loop()
    try:
        cold, bare, guarded = paired(response, lambda: (response(), loop.run_until_complete(both())), n)
    finally:
        loop.close()
    return cold, bare, guarded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    n = parser.parse_args().n
    print(f"{'integration':<34}{'cold ms':>9}{'bare ms':>10}{'guarded ms':>12}{'overhead ms':>13}")
    for name, fn in [("Guard.judge_sync (floor)", guard_alone), ("MCP proxy vs the bare FastMCP proxy", mcp),
                     ("OpenAI Agents SDK (Runner)", openai_agents), ("LangChain middleware (create_agent)", langchain),
                     ("LiteLLM pre_call + post_call hooks", litellm)]:
        try:
            cold, bare, guarded = fn(n)
        except ImportError as exc:
            print(f"{name:<34} skipped: {exc}")
            continue
        print(f"{name:<34}{cold:>9.2f}{bare:>10.3f}{guarded:>12.3f}{guarded - bare:>13.3f}")


if __name__ == "__main__":
    main()
