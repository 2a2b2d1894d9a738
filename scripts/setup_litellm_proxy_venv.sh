#!/usr/bin/env bash
# Create .venv-litellm: a separate venv holding the real LiteLLM proxy plus sentinel-guard (editable).
#
# Why a second venv: `litellm[proxy]` pins mcp>=2.2, which openenv's fastmcp (mcp<2) in the main
# .venv cannot share. The end-to-end test (tests/integrations/test_litellm_proxy.py) starts
# `.venv-litellm/bin/litellm` and skips, naming this script, when the venv is missing.
#
# Idempotent: a venv whose `litellm` already imports with the pinned version is left as it is.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-litellm"
LITELLM_VERSION="1.106.2"
PY="${PYTHON:-python3}"

if [[ -x "$VENV/bin/python" ]] && [[ -x "$VENV/bin/litellm" ]] \
   && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('litellm') != '$LITELLM_VERSION')" 2>/dev/null \
   && "$VENV/bin/python" -c "import sentinel_guard" 2>/dev/null \
   && LITELLM_LOCAL_MODEL_COST_MAP=True "$VENV/bin/python" -c "import litellm.proxy.proxy_server" >/dev/null 2>&1; then
    echo "setup_litellm_proxy_venv: $VENV is ready (litellm $LITELLM_VERSION)"
    exit 0
fi

echo "setup_litellm_proxy_venv: building $VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q "litellm[proxy]==$LITELLM_VERSION"
# sentinel-guard's core dependencies; the package itself without deps so no extra drags in openenv.
"$VENV/bin/pip" install -q "pydantic>=2.6,<3" "httpx>=0.27,<0.29" "pyyaml>=6" "typer>=0.12" "rich<14" \
    "sqlglot>=25" "tree-sitter>=0.23" "tree-sitter-bash>=0.23"
"$VENV/bin/pip" install -q --no-deps -e "$ROOT"
# The proxy server itself must import: a downgraded mcp (e.g. from openenv's fastmcp) breaks it while
# `pip check` stays quiet, so name the conflict here instead of at the first proxy start.
LITELLM_LOCAL_MODEL_COST_MAP=True "$VENV/bin/python" -c \
    "import litellm.proxy.proxy_server, sentinel_guard.integrations.litellm; print('litellm proxy ok')" \
    || { echo "setup_litellm_proxy_venv: the LiteLLM proxy does not import in $VENV; litellm[proxy] needs" \
              "mcp>=2.2 (found: $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("mcp"))' 2>/dev/null || echo none))." \
              "Do not install sentinel-guard[env] or [mcp] (mcp<2) into this venv." >&2; exit 1; }
echo "setup_litellm_proxy_venv: done"
