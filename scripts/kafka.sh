#!/usr/bin/env bash
# scripts/kafka.sh: a real single-node Apache Kafka broker (KRaft, broker+controller in one JVM)
# assembled from Maven Central jars, for development, tests and CI. No Docker needed.
#
#   scripts/kafka.sh up     [--port P]   fetch jars on first use, format, start, wait; prints the bootstrap address
#   scripts/kafka.sh down   [--port P]   SIGTERM (SIGKILL after ~10 s), then remove the data dir
#   scripts/kafka.sh status [--port P]   exit 0 and print the address when running, exit 3 when not
#   scripts/kafka.sh libs                only fetch the jars into the cache
#
# Settings (environment): KAFKA_VERSION (default 3.9.1), KAFKA_PORT (default 19092; the controller
# listens on port+1), EVOLFLOW_CACHE (default <repo>/.cache; jars in kafka/<version>/libs, run dirs
# in kafka/run-<port>), KAFKA_HEAP_OPTS, KAFKA_JVM_OPTS, KAFKA_START_TIMEOUT (seconds, default 120).
# stdout carries only the bootstrap address (so `BROKERS=$(scripts/kafka.sh up)` works); messages go to stderr.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
PORT="${KAFKA_PORT:-19092}"
CACHE="${EVOLFLOW_CACHE:-$REPO_DIR/.cache}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"

say() { echo "kafka.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

cmd="${1:-}"
[ -n "$cmd" ] || usage
shift
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || die "--port needs a value"; PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#--port=}"; shift ;;
    -h|--help) usage ;;
    *) die "unknown argument '$1' (see scripts/kafka.sh --help)" ;;
  esac
done
[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1024 ] && [ "$PORT" -lt 65535 ] || die "port '$PORT' must be a number from 1024 to 65534"

CONTROLLER_PORT=$((PORT + 1))
LIBS="$CACHE/kafka/$KAFKA_VERSION/libs"
RUN_DIR="$CACHE/kafka/run-$PORT"
DATA_DIR="$RUN_DIR/data"
PID_FILE="$RUN_DIR/broker.pid"
LOG_FILE="$RUN_DIR/broker.log"
PROPS="$RUN_DIR/server.properties"
BOOTSTRAP="127.0.0.1:$PORT"
MAJOR="${KAFKA_VERSION%%.*}"

# Kafka 4 logs through log4j2; 3.x through reload4j (the pom's default binding).
if [ "$MAJOR" -ge 4 ]; then
  MVN_PROFILE="-Plog4j2 -Dlog4j2"
  LOG_OPTS="-Dlog4j2.configurationFile=$SCRIPT_DIR/kafka/log4j2.properties"
else
  MVN_PROFILE=""
  LOG_OPTS="-Dlog4j.configuration=file:$SCRIPT_DIR/kafka/log4j.properties"
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The pid from the pid file when that process is our broker (guards against a recycled pid).
broker_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "kafka.Kafka $PROPS" || return 1
  echo "$pid"
}

fetch_libs() {
  if [ -f "$LIBS/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the broker jars: apt-get install -y maven"
  mkdir -p "$CACHE/kafka"
  (
    flock 9
    [ -f "$LIBS/.complete" ] && exit 0
    say "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS (first use only)"
    rm -rf "$LIBS.tmp"
    # shellcheck disable=SC2086
    mvn -B -q -f "$SCRIPT_DIR/kafka/pom.xml" $MVN_PROFILE -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS.tmp" >&2 \
      || die "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (is Maven Central reachable? is the version right?)"
    rm -rf "$LIBS"
    mv "$LIBS.tmp" "$LIBS"
    touch "$LIBS/.complete"
    say "$(find "$LIBS" -name '*.jar' | wc -l) jars, $(du -sh "$LIBS" | cut -f1)"
  ) 9>"$CACHE/kafka/.fetch-$KAFKA_VERSION.lock"
}

java_cmd() { command -v java >/dev/null || die "java (17+) is needed: apt-get install -y openjdk-17-jre-headless"; echo java; }

do_status() {
  local pid
  if pid="$(broker_pid)" && port_open "$PORT"; then
    say "running (pid $pid, Kafka $(cat "$RUN_DIR/version" 2>/dev/null || echo '?')) at $BOOTSTRAP"
    echo "$BOOTSTRAP"
    return 0
  fi
  if pid="$(broker_pid)"; then say "starting or stuck (pid $pid), not answering on $BOOTSTRAP; log: $LOG_FILE"; return 3; fi
  say "not running on port $PORT"
  return 3
}

do_up() {
  local pid
  if pid="$(broker_pid)"; then
    if port_open "$PORT"; then
      say "already running (pid $pid) at $BOOTSTRAP"
      echo "$BOOTSTRAP"
      return 0
    fi
    wait_ready "$pid"
    echo "$BOOTSTRAP"
    return 0
  fi
  port_open "$PORT" && die "port $PORT is taken by another process; pick another with --port P"
  port_open "$CONTROLLER_PORT" && die "controller port $CONTROLLER_PORT (port+1) is taken by another process; pick another with --port P"
  fetch_libs
  local java
  java="$(java_cmd)"

  # A fresh log dir every time: a stale KRaft dir from a crashed run would need the same cluster id.
  rm -rf "$DATA_DIR"
  mkdir -p "$DATA_DIR"
  sed -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" -e "s|@DATA_DIR@|$DATA_DIR|g" \
    "$SCRIPT_DIR/kafka/server.properties.template" >"$PROPS"
  echo "$KAFKA_VERSION" >"$RUN_DIR/version"
  local cluster_id
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  # shellcheck disable=SC2086
  "$java" $LOG_OPTS -cp "$LIBS/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" >"$RUN_DIR/format.log" 2>&1 \
    || { cat "$RUN_DIR/format.log" >&2; die "formatting $DATA_DIR failed (see above)"; }

  : >"$LOG_FILE"
  rm -f "$PID_FILE"
  # setsid: the broker outlives the shell (and the test run) that started it; stdio detached and
  # the lock fd closed, or the broker would hold the up/down lock for its lifetime.
  # shellcheck disable=SC2086
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$java" $HEAP_OPTS $JVM_OPTS $LOG_OPTS -cp "$LIBS/*" kafka.Kafka "$PROPS" \
    </dev/null >>"$LOG_FILE" 2>&1 8>&- &
  for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$PID_FILE" ] && break; sleep 0.1; done
  pid="$(cat "$PID_FILE")"
  say "starting Kafka $KAFKA_VERSION (pid $pid) on $BOOTSTRAP, controller on 127.0.0.1:$CONTROLLER_PORT; log: $LOG_FILE"
  wait_ready "$pid"
  echo "$BOOTSTRAP"
}

wait_ready() {
  local pid="$1" waited=0
  while :; do
    if grep -q "Kafka Server started" "$LOG_FILE" 2>/dev/null && port_open "$PORT"; then
      say "ready after ${waited}s at $BOOTSTRAP"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$LOG_FILE" >&2 || true
      die "the broker exited during start (log above, full log: $LOG_FILE)"
    fi
    [ "$waited" -lt "$((START_TIMEOUT * 2))" ] || { tail -n 30 "$LOG_FILE" >&2; die "not ready after ${START_TIMEOUT}s (log: $LOG_FILE); stop it with scripts/kafka.sh down --port $PORT"; }
    sleep 0.5
    waited=$((waited + 1))
  done
  return 0
}

do_down() {
  local pid
  if pid="$(broker_pid)"; then
    say "stopping pid $pid (SIGTERM)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      say "still alive after 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  else
    say "not running on port $PORT"
  fi
  rm -f "$PID_FILE"
  rm -rf "$DATA_DIR"
  return 0
}

case "$cmd" in
  up) mkdir -p "$RUN_DIR"; exec 8>"$RUN_DIR.lock"; flock 8; do_up ;;
  down) mkdir -p "$RUN_DIR"; exec 8>"$RUN_DIR.lock"; flock 8; do_down ;;
  status) do_status ;;
  libs) fetch_libs; echo "$LIBS" ;;
  *) usage ;;
esac
