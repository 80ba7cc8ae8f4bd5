#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft) without Docker.
#
#   bash infra/local/kafka.sh start|stop [--kill]|status|restart
#
# Why this exists: dev machines and CI sandboxes here have no Docker, but they
# do reach Maven Central, so the broker is assembled from the official jars and
# run as a plain JVM process. The script is meant to be called by humans, by
# `npm run infra:up`, and by parallel test workers, so every command is
# idempotent and `start` is serialised with flock.
#
# Knobs (environment):
#   KAFKA_PORT             client listener              (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener    (default 9093)
#   KAFKA_RUN_DIR          data, log, pid, config       (default infra/local/.run/kafka-$KAFKA_PORT)
#   KAFKA_HEAP             JVM heap flags               (default "-Xmx512m -Xms256m")
#   KAFKA_OPTS             extra JVM flags              (default empty)
#   KAFKA_START_TIMEOUT    seconds to wait for ready    (default 60)
set -euo pipefail

# Resolve everything from the script's own location so it behaves the same
# from the repo root, from a workspace (turbo runs scripts there) or from /tmp.
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"

KAFKA_VERSION=3.9.1
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_RUN_DIR="${KAFKA_RUN_DIR:-$SCRIPT_DIR/.run/kafka-$KAFKA_PORT}"
KAFKA_HEAP="${KAFKA_HEAP:--Xmx512m -Xms256m}"
KAFKA_OPTS="${KAFKA_OPTS:-}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
KAFKA_STOP_TIMEOUT=20
# A cold `start` may first download ~46 MB of jars while holding the lock, so
# a waiting worker must be more patient than the start timeout alone.
LOCK_TIMEOUT=$((KAFKA_START_TIMEOUT + 300))

CACHE_ROOT="$SCRIPT_DIR/.cache"
JAR_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
JAR_MARKER="$JAR_DIR/.complete"
POM="$SCRIPT_DIR/kafka/pom.xml"
LOG4J_CONFIG="$SCRIPT_DIR/kafka/log4j.properties"
READY_SCRIPT="$SCRIPT_DIR/kafka-ready.mjs"

die() {
  echo "kafka.sh: $*" >&2
  exit 1
}

case "$KAFKA_PORT$KAFKA_CONTROLLER_PORT" in
  *[!0-9]*) die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must be numbers" ;;
esac
[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"

# Absolute run dir: the path is baked into server.properties and into the
# process marker below, so a relative one would mean different things from
# different working directories. Only `start` creates it, so that `status` /
# `stop` for a port never used leave nothing behind.
case "$KAFKA_RUN_DIR" in
  /*) ;;
  *) KAFKA_RUN_DIR="$PWD/$KAFKA_RUN_DIR" ;;
esac
if [ -d "$KAFKA_RUN_DIR" ]; then
  KAFKA_RUN_DIR="$(cd -- "$KAFKA_RUN_DIR" && pwd -P)"
fi
PID_FILE="$KAFKA_RUN_DIR/kafka.pid"
LOG_FILE="$KAFKA_RUN_DIR/kafka.log"
PROPS_FILE="$KAFKA_RUN_DIR/server.properties"
DATA_DIR="$KAFKA_RUN_DIR/data"
CLUSTER_ID_FILE="$KAFKA_RUN_DIR/cluster.id"
LOCK_FILE="$KAFKA_RUN_DIR/.lock"

# Put on the java command line so a pid read from the pid file can be checked
# to really be *this* broker: after a crash or reboot the pid may have been
# recycled by an unrelated process that we must never signal.
PROCESS_MARKER="-Dcrp.local.kafka.run_dir=$KAFKA_RUN_DIR"

# ---------------------------------------------------------------------------
# process / port helpers

is_our_broker() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    # cmdline is NUL-separated; an exact-arg match avoids kafka-9092 matching kafka-90921.
    tr '\0' '\n' <"/proc/$pid/cmdline" | grep -Fxq -- "$PROCESS_MARKER"
  else
    # No procfs (macOS): -ww keeps ps from truncating the long java command line.
    ps -ww -p "$pid" -o args= 2>/dev/null | grep -Fq -- "$PROCESS_MARKER "
  fi
}

# "Gone" = reaped, or a zombie whose sockets are closed. Neither "cmdline
# vanished" nor "state Z" is enough on its own: the kernel drops a dying
# process's memory (and /proc/<pid>/cmdline) before closing its files, and the
# JVM's main thread can already be a zombie while other threads are still
# exiting with the listening sockets open. (Zombies matter where PID 1 does
# not reap orphans, e.g. a container without an init.)
process_gone() {
  local pid=$1 state=""
  kill -0 "$pid" 2>/dev/null || return 0
  if [ -r "/proc/$pid/stat" ]; then
    state="$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)"
  else
    state="$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)"
  fi
  [ "$state" = Z ] || return 1
  ! port_open "$KAFKA_PORT" && ! port_open "$KAFKA_CONTROLLER_PORT"
}

# Waits up to $2 seconds (wall clock, not loop count: each check forks) for
# pid $1 to be gone.
wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  until process_gone "$pid"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# Prints the broker pid if the pid file points at a live broker of this run dir.
live_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  is_our_broker "$pid" || return 1
  echo "$pid"
}

# bash's /dev/tcp avoids depending on nc/ss, which minimal images lack.
port_open() {
  (exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null
}

show_log_tail() {
  if [ -f "$LOG_FILE" ]; then
    echo "----- last 40 lines of $LOG_FILE -----" >&2
    tail -n 40 "$LOG_FILE" >&2 || true
    echo "----- end of log -----" >&2
  fi
}

# Serialise start/stop per run dir: parallel test workers all call `start`;
# the first one launches the broker, the others block here and then find it
# running. flock is Linux-only; without it we degrade to "no locking".
acquire_lock() {
  if ! command -v flock >/dev/null 2>&1; then
    echo "kafka.sh: warning: flock not found, concurrent starts are not serialised" >&2
    return 0
  fi
  exec 9>"$LOCK_FILE"
  if ! flock -n 9; then
    echo "kafka.sh: another kafka.sh is starting/stopping this broker; waiting for it..."
    flock -w "$LOCK_TIMEOUT" 9 || die "timed out after ${LOCK_TIMEOUT}s waiting for $LOCK_FILE"
  fi
}

# ---------------------------------------------------------------------------
# jars

jars_complete() {
  local expected actual
  [ -f "$JAR_MARKER" ] || return 1
  expected="$(cat "$JAR_MARKER")"
  actual="$(find "$JAR_DIR" -maxdepth 1 -name '*.jar' | wc -l | tr -d ' ')"
  [ -n "$expected" ] && [ "$expected" = "$actual" ]
}

ensure_jars() {
  jars_complete && return 0
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is needed once to fetch the Kafka jars: apt-get install maven"
  mkdir -p "$CACHE_ROOT"
  # Separate lock from the run-dir lock: brokers on different ports share
  # one jar cache and must not download into it at the same time.
  exec 8>"$CACHE_ROOT/.kafka-$KAFKA_VERSION.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 600 8 || die "timed out waiting for another jar download"
  fi
  if ! jars_complete; then
    echo "kafka.sh: fetching Kafka $KAFKA_VERSION jars from Maven Central (one-time)..."
    local tmp count
    # Download next to the final place and rename: an interrupted download
    # must never look like a usable cache.
    tmp="$(mktemp -d "$CACHE_ROOT/.kafka-$KAFKA_VERSION.XXXXXX")"
    # Output goes to a file and is shown only on failure: Maven 3.8 prints
    # stray colour codes even with -q -B, which would litter every cold start.
    if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime >"$CACHE_ROOT/mvn.log" 2>&1; then
      cat "$CACHE_ROOT/mvn.log" >&2
      rm -rf "$tmp"
      die "mvn could not fetch the Kafka jars (is Maven Central reachable? full output: $CACHE_ROOT/mvn.log)"
    fi
    count="$(find "$tmp" -maxdepth 1 -name '*.jar' | wc -l | tr -d ' ')"
    if [ "$count" -eq 0 ]; then
      rm -rf "$tmp"
      die "mvn succeeded but copied no jars"
    fi
    chmod 755 "$tmp" # mktemp made it private; the cache is meant to be shared
    rm -rf "$JAR_DIR"
    mv "$tmp" "$JAR_DIR"
    # Written last: its presence (with the right count) is what "complete" means.
    echo "$count" >"$JAR_MARKER"
    echo "kafka.sh: cached $count jars in $JAR_DIR"
  fi
  exec 8>&-
}

# ---------------------------------------------------------------------------
# config / storage

write_server_properties() {
  # Regenerated on every start so env knobs always win over a stale file.
  cat >"$PROPS_FILE" <<EOF
# Generated by infra/local/kafka.sh on each start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA_DIR
# A single node cannot satisfy Kafka's production default of 3 replicas.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Tests create consumer groups constantly; the default 3 s delay per group
# join would dominate their run time.
group.initial.rebalance.delay.ms=0
num.partitions=3
auto.create.topics.enable=true
# After a crash (stop --kill) the restarted controller still holds the dead
# broker's registration and refuses the new one (DUPLICATE_BROKER_REGISTRATION)
# until that session expires: with the 9 s default a restart took ~15 s. The
# heartbeat is loopback-only inside one JVM, so a short session is safe here.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
EOF
}

kafka_java() {
  java -Dlog4j.configuration="file:$LOG4J_CONFIG" -cp "$JAR_DIR/*" "$@"
}

format_storage_if_needed() {
  # meta.properties is what Kafka itself checks; re-formatting an existing
  # log dir would be refused anyway, and skipping saves a JVM start.
  [ -f "$DATA_DIR/meta.properties" ] && return 0
  local cluster_id
  if [ -s "$CLUSTER_ID_FILE" ]; then
    cluster_id="$(cat "$CLUSTER_ID_FILE")"
  else
    cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$LOG_FILE" | tail -n 1)"
    [ -n "$cluster_id" ] || die "StorageTool random-uuid printed nothing (see $LOG_FILE)"
    echo "$cluster_id" >"$CLUSTER_ID_FILE"
  fi
  mkdir -p "$DATA_DIR"
  if ! kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS_FILE" >>"$LOG_FILE" 2>&1; then
    show_log_tail
    die "formatting $DATA_DIR failed"
  fi
}

# ---------------------------------------------------------------------------
# readiness

# Returns 0 once the broker answers a real metadata round trip. The TCP port
# alone opens seconds before the broker can serve requests.
wait_until_ready() {
  local pid=$1 deadline remaining rc
  deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  until port_open "$KAFKA_PORT"; do
    if ! is_our_broker "$pid"; then
      echo "kafka.sh: the broker process exited during startup" >&2
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "kafka.sh: port $KAFKA_PORT did not open within ${KAFKA_START_TIMEOUT}s" >&2
      return 1
    fi
    sleep 0.2
  done
  remaining=$((deadline - SECONDS))
  [ "$remaining" -ge 5 ] || remaining=5
  rc=0
  KAFKA_READY_TIMEOUT="$remaining" node "$READY_SCRIPT" "$KAFKA_HOST:$KAFKA_PORT" || rc=$?
  # 2 = the check itself could not run (e.g. kafkajs not installed yet).
  [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || rc=1
  return "$rc"
}

# A start that failed must not leave a half-started JVM behind: the next
# `start` would otherwise find a pid that never becomes ready.
abort_start() {
  local pid=$1 reason=${2:-1}
  # When the check could not even run, the broker log is beside the point.
  [ "$reason" -eq 2 ] || show_log_tail
  if is_our_broker "$pid"; then
    # TERM first: a SIGKILLed broker leaves its registration behind and makes
    # the next start wait for it to expire.
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 5; then
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || true
    fi
  fi
  rm -f "$PID_FILE"
  if [ "$reason" -eq 2 ]; then
    die "the readiness check (kafka-ready.mjs) could not run, so the broker was stopped again; run 'npm install' at the repo root first"
  fi
  die "Kafka did not become ready on $KAFKA_HOST:$KAFKA_PORT within ${KAFKA_START_TIMEOUT}s (log: $LOG_FILE)"
}

# ---------------------------------------------------------------------------
# commands

cmd_start() {
  local pid t0
  t0=$SECONDS
  mkdir -p "$KAFKA_RUN_DIR"
  acquire_lock

  if pid="$(live_pid)"; then
    if port_open "$KAFKA_PORT"; then
      echo "Kafka already running on $KAFKA_HOST:$KAFKA_PORT (pid $pid, log $LOG_FILE)"
      return 0
    fi
    # Only reachable if an earlier start was interrupted (Ctrl-C) mid-wait.
    echo "kafka.sh: broker pid $pid is alive but not answering yet; waiting for it"
    wait_until_ready "$pid" || abort_start "$pid" $?
    echo "Kafka ready on $KAFKA_HOST:$KAFKA_PORT (pid $pid, log $LOG_FILE)"
    return 0
  fi
  rm -f "$PID_FILE"

  # Something else owns the port (another checkout's broker, a Docker Kafka...).
  # If it is a working Kafka broker, use it: the tests and services only need one.
  # Otherwise fail loudly instead of letting the JVM die with a bind error.
  if port_open "$KAFKA_PORT" && KAFKA_READY_TIMEOUT=5 node "$SCRIPT_DIR/kafka-ready.mjs" "$KAFKA_HOST:$KAFKA_PORT" >/dev/null 2>&1; then
    echo "Kafka already serving on $KAFKA_HOST:$KAFKA_PORT (not started from $KAFKA_RUN_DIR); using it"
    return 0
  fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_HOST:$KAFKA_PORT is in use by a process not managed from $KAFKA_RUN_DIR"
  port_open "$KAFKA_CONTROLLER_PORT" && die "controller port $KAFKA_HOST:$KAFKA_CONTROLLER_PORT is already in use"

  command -v java >/dev/null 2>&1 || die "java (17+) is required: apt-get install openjdk-17-jre-headless"
  command -v node >/dev/null 2>&1 || die "node is required for the readiness check"

  ensure_jars
  write_server_properties
  # Keep the previous run's log for post-mortems (e.g. after `stop --kill`).
  [ -f "$LOG_FILE" ] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  : >"$LOG_FILE"
  format_storage_if_needed

  # setsid: own session, so a Ctrl-C or a test runner killing its process
  # group does not take the shared broker down with it. nohup: survive the
  # terminal closing. The inner bash writes its own pid and then *execs* java,
  # so the pid file holds the JVM's pid whatever setsid/nohup do.
  # fds 8/9 are closed for the child: an inherited flock fd would keep the
  # lock held for the broker's whole life and block every later call.
  # (The odd ${detach[@]+...} spelling keeps bash < 4.4, e.g. macOS, happy
  # with an empty array under `set -u`.)
  local detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  # shellcheck disable=SC2016 # $$ and "$@" are for the inner bash
  # shellcheck disable=SC2086 # KAFKA_HEAP/KAFKA_OPTS are flag lists, split on purpose
  (
    cd "$KAFKA_RUN_DIR"
    exec ${detach[@]+"${detach[@]}"} nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
      java $KAFKA_HEAP $KAFKA_OPTS \
      "$PROCESS_MARKER" \
      -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$LOG4J_CONFIG" \
      -cp "$JAR_DIR/*" \
      kafka.Kafka "$PROPS_FILE"
  ) </dev/null >>"$LOG_FILE" 2>&1 8>&- 9>&- &
  # Not our job to reap or report on: without this, bash prints a
  # "Killed ..." job notice if a failed start has to kill the JVM.
  disown "$!" 2>/dev/null || true

  # The pid file is written by the child; give it a moment to appear.
  local i=0
  until pid="$(live_pid)"; do
    i=$((i + 1))
    if [ "$i" -gt 100 ]; then
      show_log_tail
      die "the broker process did not start (log: $LOG_FILE)"
    fi
    sleep 0.1
  done

  wait_until_ready "$pid" || abort_start "$pid" $?
  echo "Kafka $KAFKA_VERSION ready on $KAFKA_HOST:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT, pid $pid) after $((SECONDS - t0))s"
  echo "  log:  $LOG_FILE"
  echo "  data: $DATA_DIR"
}

cmd_stop() {
  local mode=${1:-} pid
  case "$mode" in
    "" | --kill) ;;
    *) die "unknown stop option: $mode (only --kill)" ;;
  esac
  if [ ! -d "$KAFKA_RUN_DIR" ]; then
    echo "Kafka on $KAFKA_HOST:$KAFKA_PORT is not running"
    return 0
  fi
  acquire_lock
  if ! pid="$(live_pid)"; then
    rm -f "$PID_FILE"
    echo "Kafka on $KAFKA_HOST:$KAFKA_PORT is not running"
    return 0
  fi
  if [ "$mode" = --kill ]; then
    # Simulates a crash for tests: no controlled shutdown, no clean log flush.
    kill -KILL "$pid" 2>/dev/null || true
  else
    # SIGTERM = controlled shutdown: the broker deregisters, so the next
    # start does not have to wait for its old session to expire.
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$KAFKA_STOP_TIMEOUT"; then
      echo "kafka.sh: broker did not stop within ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # Only report "stopped" once the ports are really released, so that an
  # immediate `start` (tests do kill-then-start) can bind them.
  wait_gone "$pid" 10 || die "broker pid $pid is still alive 10s after SIGKILL"
  rm -f "$PID_FILE"
  echo "Kafka on $KAFKA_HOST:$KAFKA_PORT stopped (pid $pid${mode:+, $mode})"
}

cmd_status() {
  local pid
  if pid="$(live_pid)"; then
    if port_open "$KAFKA_PORT"; then
      echo "running on $KAFKA_HOST:$KAFKA_PORT (pid $pid, log $LOG_FILE)"
      return 0
    fi
    echo "starting or stuck: pid $pid is alive but $KAFKA_HOST:$KAFKA_PORT does not answer (log $LOG_FILE)"
    return 1
  fi
  echo "not running ($KAFKA_HOST:$KAFKA_PORT, run dir $KAFKA_RUN_DIR)"
  return 1
}

usage() {
  echo "usage: $0 {start|stop [--kill]|status|restart}" >&2
  exit 2
}

[ $# -ge 1 ] || usage
command=$1
shift
case "$command" in
  start) cmd_start ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status ;;
  restart)
    cmd_stop
    cmd_start
    ;;
  *) usage ;;
esac
