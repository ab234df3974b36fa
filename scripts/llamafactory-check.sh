#!/usr/bin/env bash
# Every output format loaded by LLaMA-Factory's own dataset loader (not part of npm test: LLaMA-Factory
# pulls torch, gigabytes). Makes a venv with llamafactory from PyPI in .cache/py-llamafactory (once),
# a one-seed-file simulator run (Alpaca, with the metadata field) and two re-mixes of it (ShareGPT,
# OpenAI messages) in a temporary folder, then runs scripts/llamafactory-check.py on the three folders.
# Prints one line per folder, entry and way of pointing LLaMA-Factory at it; writes
# bench/results/llamafactory.json; exits 1 when any load fails or differs from the JSONL.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.cache/py-llamafactory
if ! "$venv/bin/python" -c 'import llamafactory' >/dev/null 2>&1; then
  echo "llamafactory-check: making $venv (pip install llamafactory==0.9.5; pulls torch, several GB)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'llamafactory==0.9.5'
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'mix:\n  metadata: field\nllm:\n  cache:\n    enabled: false\n' > "$work/config.yaml"
npx tsx packages/cli/src/bin.ts run --config "$work/config.yaml" --out "$work/alpaca" --no-progress --log-level error >/dev/null
for format in sharegpt openai; do
  npx tsx packages/cli/src/bin.ts mix --in "$work/alpaca" --out "$work/$format" --format "$format" --metadata field >/dev/null
done
mkdir -p bench/results
HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 "$venv/bin/python" scripts/llamafactory-check.py bench/results/llamafactory.json "$work/alpaca" "$work/sharegpt" "$work/openai" 2> "$work/python.log" || { tail -30 "$work/python.log" >&2; exit 1; }
