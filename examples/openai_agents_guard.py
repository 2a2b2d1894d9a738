"""An OpenAI Agents SDK agent guarded by sentinel-guard — offline, with a scripted model.

    python examples/openai_agents_guard.py

`guard_agent(agent)` adds sentinel-guard's tool input and output guardrails to every function
tool. The scripted model (the SDK's `Model` interface, no network) proposes a disk check, then
`rm -rf /`: the first runs, the second trips the SDK's tool-guardrail tripwire before the tool's
body runs, and the run ends with the verdict.
"""

from __future__ import annotations

import json
from typing import Any

from agents import Agent, Model, ModelResponse, RunConfig, Runner, Usage, function_tool
from agents.exceptions import ToolInputGuardrailTripwireTriggered
from openai.types.responses import ResponseFunctionToolCall
from sentinel_guard.integrations.openai_agents import guard_agent


@function_tool
def shell(command: str) -> str:
    """Run a shell command (a stand-in: it only reports what it would run)."""
    print(f"    [tool body] would run: {command}")
    return f"(would run) {command}"


class ScriptedModel(Model):
    """Proposes one shell command per turn from a fixed list."""

    def __init__(self, commands: list[str]) -> None:
        self.commands = list(commands)

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        command = self.commands.pop(0)
        call = ResponseFunctionToolCall(type="function_call", call_id=f"call_{len(self.commands)}", name="shell",
                                        arguments=json.dumps({"command": command}))
        return ModelResponse(output=[call], usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


def main() -> None:
    agent = guard_agent(Agent(name="ops", model=ScriptedModel(["df -h /var", "rm -rf /"]), tools=[shell]))
    try:
        Runner.run_sync(agent, "Check the disk usage on /var.", run_config=RunConfig(tracing_disabled=True))
    except ToolInputGuardrailTripwireTriggered as tripped:
        verdict = tripped.output.output_info["sentinel_guard"]
        print(f"run stopped: {verdict['decision']} {verdict['rules'][0]}: {verdict['justification']}")


if __name__ == "__main__":
    main()
