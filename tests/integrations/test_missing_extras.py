"""A missing optional dependency gives `MissingExtraError` naming the extra (each in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize(("hidden", "module", "extra"), [
    ("langchain_core", "sentinel_guard.integrations.langchain", "langchain"),
    ("litellm", "sentinel_guard.integrations.litellm", "litellm"),
    ("fastmcp", "sentinel_guard.integrations.mcp_proxy", "mcp"),
    ("agents", "sentinel_guard.integrations.openai_agents", "openai-agents"),
])
def test_integration_without_its_package_names_the_extra(hidden: str, module: str, extra: str) -> None:
    result = run(f"import sys; sys.modules[{hidden!r}] = None\n"
                 "from sentinel_guard.errors import MissingExtraError\n"
                 f"try:\n    import {module}\nexcept MissingExtraError as e:\n    print('missing:', e)")
    assert result.returncode == 0, result.stderr
    assert f"sentinel-guard[{extra}]" in result.stdout


def test_callback_handler_needs_only_langchain_core_and_middleware_names_the_extra() -> None:
    result = run("import sys; sys.modules['langchain'] = None; sys.modules['langchain.agents'] = None\n"
                 "from sentinel_guard.errors import MissingExtraError\n"
                 "from sentinel_guard.integrations.langchain import SentinelCallbackHandler, SentinelMiddleware\n"
                 "SentinelCallbackHandler()\n"
                 "try:\n    SentinelMiddleware()\nexcept MissingExtraError as e:\n    print('missing:', e)")
    assert result.returncode == 0, result.stderr
    assert "sentinel-guard[langchain]" in result.stdout


def test_importing_the_packages_stays_light() -> None:
    result = run("import sys, sentinel_guard.backends, sentinel_guard.integrations\n"
                 "heavy = [m for m in ('vllm', 'litellm', 'langchain_core', 'torch', 'transformers') if m in sys.modules]\n"
                 "print('heavy:', heavy)")
    assert result.returncode == 0, result.stderr
    assert "heavy: []" in result.stdout


def test_mcp_proxy_cli_without_fastmcp_exits_2_naming_the_extra() -> None:
    result = run("import sys; sys.modules['fastmcp'] = None\n"
                 "sys.argv = ['sentinel-guard', 'mcp', 'proxy', '--', 'true']\n"
                 "from sentinel_guard.cli import main; main()")
    assert result.returncode == 2, result.stderr
    assert "sentinel-guard[mcp]" in result.stderr and "Traceback" not in result.stderr
