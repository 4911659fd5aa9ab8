#!/usr/bin/env bash
# Starts a single-node Apache Kafka broker (KRaft, combined broker+controller) on loopback for
# tests and local use, from jars fetched off Maven Central (kafka/pom.xml). Idempotent: when our
# broker is already up this is a no-op. Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (port+1),
# KAFKA_HEAP_OPTS, KAFKA_JVM_OPTS, KAFKA_START_TIMEOUT (seconds, 90).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
JARS="$ROOT/kafka/jars"
# One directory per port, so a second broker on another port never shares data or pid.
DIR="$ROOT/.kafka/$PORT"
PIDFILE="$DIR/kafka.pid"
LOG="$DIR/server.log"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"

say() { echo "kafka-up: $*" >&2; }

mkdir -p "$DIR"
# Serialise concurrent `kafka:up` calls (e.g. two test runs) on the same port.
exec 9>"$DIR/.lock"
flock 9

ours_running() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  # Guard against pid reuse: it must be a broker started with our config file.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $DIR/server.properties"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ours_running; then
  if port_open "$PORT"; then say "already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"; exit 0; fi
  say "process $(cat "$PIDFILE") exists but port $PORT is closed; waiting for it"
else
  rm -f "$PIDFILE"
  for p in "$PORT" "$CPORT"; do
    if port_open "$p"; then say "port $p is taken by another process; set KAFKA_PORT to a free port"; exit 1; fi
  done

  if ! ls "$JARS"/kafka_2.13-*.jar >/dev/null 2>&1; then
    say "fetching broker jars from Maven Central into kafka/jars"
    mvn -B -q -f "$ROOT/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$JARS"
  fi

  cat >"$DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DIR/data
# One node: every internal topic must have replication factor 1, or the group coordinator
# never becomes available.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# Else every first join of a group waits 3 s.
group.initial.rebalance.delay.ms=0
# Topics are created explicitly (Bus.ensureTopics) with the configured partition count.
auto.create.topics.enable=false
num.partitions=4
# Two cores shared with the rest of the stack.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
PROPS

  cat >"$DIR/log4j2.properties" <<'L4J'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = OUT
logger.state.name = state.change.logger
logger.state.level = warn
logger.request.name = kafka.request.logger
logger.request.level = warn
L4J

  CP="$JARS/*"
  if [[ ! -f "$DIR/data/meta.properties" ]]; then
    # Cluster id: 16 random bytes, base64url without padding (22 chars), as Kafka expects.
    CID="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    say "formatting KRaft storage in .kafka/$PORT (cluster $CID)"
    java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$DIR/log4j2.properties" \
      -cp "$CP" kafka.tools.StorageTool format --cluster-id="$CID" -c "$DIR/server.properties" >"$DIR/format.log" 2>&1 \
      || { cat "$DIR/format.log" >&2; exit 1; }
  fi

  # Small heap and a C1-only JIT start the broker in a few seconds on a shared 2-core machine;
  # override KAFKA_JVM_OPTS for benchmarks that want the full JIT.
  HEAP="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
  JVM="${KAFKA_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k -Djava.awt.headless=true}"
  : >"$LOG"
  # shellcheck disable=SC2086
  setsid nohup java $HEAP $JVM -Dlog4j2.configurationFile="$DIR/log4j2.properties" \
    -cp "$CP" kafka.Kafka "$DIR/server.properties" >>"$LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDFILE"
  say "starting broker on 127.0.0.1:$PORT (pid $!, log .kafka/$PORT/server.log)"
fi

start=$SECONDS
until grep -q "Kafka Server started" "$LOG" 2>/dev/null && port_open "$PORT"; do
  if ! ours_running; then say "broker exited during start-up; last log lines:"; tail -n 30 "$LOG" >&2; rm -f "$PIDFILE"; exit 1; fi
  if (( SECONDS - start > TIMEOUT )); then say "not ready after ${TIMEOUT}s; see $LOG"; exit 1; fi
  sleep 0.2
done
say "ready on 127.0.0.1:$PORT after $((SECONDS - start))s"
