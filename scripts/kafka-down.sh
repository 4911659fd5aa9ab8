#!/usr/bin/env bash
# Stops the broker started by kafka-up.sh on KAFKA_PORT (9092): SIGTERM for a controlled
# shutdown, SIGKILL after KAFKA_STOP_TIMEOUT seconds (30). No-op when it is not running.
# KAFKA_WIPE=1 also deletes its data.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${KAFKA_PORT:-9092}"
DIR="$ROOT/.kafka/$PORT"
PIDFILE="$DIR/kafka.pid"
TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

say() { echo "kafka-down: $*" >&2; }

[[ -d "$DIR" ]] || { say "not running on port $PORT"; exit 0; }
exec 9>"$DIR/.lock"
flock 9

alive() { [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q "kafka.Kafka $DIR/server.properties"; }

pid="$(cat "$PIDFILE" 2>/dev/null || true)"
if [[ -n "$pid" ]] && alive "$pid"; then
  kill -TERM "$pid"
  start=$SECONDS
  while alive "$pid"; do
    if (( SECONDS - start > TIMEOUT )); then say "no clean stop after ${TIMEOUT}s; killing $pid"; kill -KILL "$pid" 2>/dev/null || true; break; fi
    sleep 0.2
  done
  say "stopped broker on port $PORT (pid $pid) in $((SECONDS - start))s"
else
  say "not running on port $PORT"
fi
rm -f "$PIDFILE"
if [[ "${KAFKA_WIPE:-}" == 1 ]]; then rm -rf "$DIR"; say "wiped .kafka/$PORT"; fi
