#!/usr/bin/env bash
# The whole test suite in one command (`npm test`): builds the dashboard for the browser
# tests, brings up a local Kafka broker for the Kafka tests unless KAFKA_BROKERS points at one,
# runs every vitest project (browser tests last), and stops the broker it started. Extra
# arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build >/dev/null

started=""
if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  if command -v java >/dev/null && command -v mvn >/dev/null; then
    bash scripts/kafka-up.sh
    started=1
    export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-9092}"
  else
    echo "test: no java/mvn, so no local Kafka broker: the Kafka tests will be skipped" >&2
  fi
fi
stop() { [[ -n "$started" ]] && bash scripts/kafka-down.sh || true; }
trap stop EXIT

# The browser tests start a whole TrendDrop and Chromium: on two cores they run after the rest,
# not beside the Kafka tests' brokers, or both starve.
npx vitest run --project server --project dashboard "$@"
npx vitest run --project browser "$@"
