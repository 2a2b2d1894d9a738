"""The extras that cannot share a venv: the MCP proxy names a broken fastmcp/mcp pair at import,
and the LiteLLM proxy's own venv holds the mcp>=2 that the main venv cannot."""

from __future__ import annotations

import importlib.metadata
import subprocess
from pathlib import Path

import pytest

from sentinel_guard.errors import MissingExtraError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("fastmcp", "mcp"), [("3.4.11", "2.3.0"), ("2.12.0", "1.20.0"), ("4.1.6", "2.3.0")])
def test_mcp_proxy_names_an_incompatible_pair(monkeypatch: pytest.MonkeyPatch, fastmcp: str, mcp: str) -> None:
    pytest.importorskip("fastmcp")
    from sentinel_guard.integrations import mcp_proxy

    versions = {"fastmcp": fastmcp, "mcp": mcp}
    monkeypatch.setattr(importlib.metadata, "version", lambda name: versions[name])
    with pytest.raises(MissingExtraError, match=rf"fastmcp 3\.x with mcp 1\.x, found fastmcp {fastmcp} and mcp {mcp}"):
        mcp_proxy._check_versions()


def test_installed_pair_is_accepted() -> None:
    pytest.importorskip("fastmcp")
    from sentinel_guard.integrations import mcp_proxy

    mcp_proxy._check_versions()


def test_litellm_proxy_venv_holds_the_mcp_the_main_venv_cannot() -> None:
    python = ROOT / ".venv-litellm" / "bin" / "python"
    if not python.exists():
        pytest.skip("no .venv-litellm: run scripts/setup_litellm_proxy_venv.sh")
    side = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('mcp'))"],
                          capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    assert int(side.split(".")[0]) >= 2  # litellm[proxy] needs mcp>=2.2
    main = importlib.metadata.version("mcp")
    assert int(main.split(".")[0]) == 1  # fastmcp 3 (extras mcp, env) needs mcp<2
