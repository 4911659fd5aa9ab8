#!/usr/bin/env bash
# `npm test`: the whole suite — the type checks (tsc, vue-tsc over the dashboard), the
# dependency rules (.dependency-cruiser.cjs), then every vitest project, the browser tests last.
# `npm test -- <paths or vitest flags>`: only the test files those select, with no checks.
# Either way the dashboard is built only when browser tests are selected, and a local Kafka
# broker is started (and stopped after) only when Kafka tests are selected and KAFKA_BROKERS
# names none.
set -euo pipefail
cd "$(dirname "$0")/.."

if (( $# == 0 )); then
  echo "test: type checks and dependency rules" >&2
  npm run --silent typecheck
  npm run --silent check:deps
fi

# "[project] file" per selected test file.
selected=$(npx vitest list --filesOnly "$@")
if [[ -z "$selected" ]]; then
  echo "test: no test file matches: $*" >&2
  exit 1
fi
files=$(sed -E 's/^\[[^]]+\] //' <<<"$selected")
projects=$(sed -nE 's/^\[([^]]+)\] .*/\1/p' <<<"$selected" | sort -u)

if grep -qx browser <<<"$projects"; then
  npm run --silent build >/dev/null
fi

started=""
# The Kafka tests are the files that ask for a broker (test/helpers/kafka.ts).
# (Unquoted: test file paths have no spaces.)
if [[ -z "${KAFKA_BROKERS:-}" ]] && grep -qs 'kafkaOrSkip(' $files; then
  if command -v java >/dev/null && command -v mvn >/dev/null; then
    bash scripts/kafka-up.sh
    started=1
    export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-9092}"
  else
    echo "test: no java/mvn, so no local Kafka broker: the Kafka tests will be skipped (in CI they fail)" >&2
  fi
fi
stop() { [[ -n "$started" ]] && bash scripts/kafka-down.sh || true; }
trap stop EXIT

# The browser tests start a whole TrendDrop and Chromium: on two cores they run after the rest,
# not beside the Kafka tests' brokers, or both starve.
others=$(grep -vx browser <<<"$projects" || true)
if [[ -n "$others" ]]; then
  npx vitest run $(printf -- '--project %s ' $others) "$@"
fi
if grep -qx browser <<<"$projects"; then
  npx vitest run --project browser "$@"
fi
