#!/usr/bin/env bash
# scripts/kafka.sh - a throwaway single-node Apache Kafka broker for tests/CI.
#
# Runs a real Kafka broker in KRaft mode (combined broker+controller, no
# ZooKeeper, no Docker) on 127.0.0.1. The broker's jars come from Maven Central
# through Maven (scripts/kafka/pom.xml pins the version; the jars stay in the
# usual ~/.m2 cache), and the JVM runs straight from that classpath.
#
# Usage:
#   scripts/kafka.sh start      start a broker on a fresh, empty data dir, wait
#                               until it serves, print its bootstrap address
#                               (e.g. 127.0.0.1:39092) as the last stdout line
#   scripts/kafka.sh stop       stop it (TERM, then KILL after 30s), remove data
#   scripts/kafka.sh status     "running"/"not running"; exit 0 only if running
#   scripts/kafka.sh sasl-address
#                               print the SASL listener's address of the running
#                               broker (started with KAFKA_SCRAM=1); exit 1 if
#                               it has none
#   scripts/kafka.sh version    print the pinned Kafka version
#   scripts/kafka.sh classpath  print the broker+tools classpath (resolving it
#                               if needed), e.g. for the Kafka CLI tools:
#       java -cp "$(scripts/kafka.sh classpath)" \
#           org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:39092 --list
#
# Typical CI use:
#   KAFKA_BROKERS=$(scripts/kafka.sh start)
#   trap 'scripts/kafka.sh stop' EXIT
#
# Only the address goes to stdout; everything else is diagnostics on stderr.
#
# Authentication (KAFKA_SCRAM=1): the broker also listens on a SASL_PLAINTEXT
# listener (127.0.0.1:$KAFKA_SASL_PORT) with the mechanisms PLAIN,
# SCRAM-SHA-256 and SCRAM-SHA-512, for one user ($KAFKA_SASL_USER, password
# $KAFKA_SASL_PASSWORD) who has SCRAM credentials of both kinds, created when
# the storage is formatted (kafka-storage format --add-scram), and a PLAIN
# entry in the listener's JAAS config. `start` still prints only the
# PLAINTEXT bootstrap address on stdout (that listener stays unauthenticated
# and is what the inter-broker and controller traffic uses); the SASL address
# goes to stderr and to `scripts/kafka.sh sasl-address`:
#   KAFKA_BROKERS=$(KAFKA_SCRAM=1 scripts/kafka.sh start)
#   KAFKA_SASL_BROKERS=$(scripts/kafka.sh sasl-address)
# These are throwaway test credentials: the password is in the run dir's
# server.properties (mode 600) and, while the storage is formatted, on the
# StorageTool's command line. Never point this at real secrets.
#
# Environment:
#   KAFKA_PORT              client (PLAINTEXT) port              [39092]
#   KAFKA_CONTROLLER_PORT   KRaft controller port                [39093]
#   KAFKA_SCRAM             1: add the SASL listener (see above)  [0]
#   KAFKA_SASL_PORT         SASL_PLAINTEXT port, with KAFKA_SCRAM [39094]
#   KAFKA_SASL_USER         its user (letters, digits, . _ -)    [pricewatch]
#   KAFKA_SASL_PASSWORD     its password (same characters)       [pricewatch-secret]
#   PRICEWATCH_KAFKA_RUN    run dir: pid, log, config, data      [/tmp/pricewatch-kafka]
#   PRICEWATCH_KAFKA_HOME   cache dir for the resolved classpath [~/.cache/pricewatch-kafka]
#   KAFKA_START_TIMEOUT     seconds to wait for the broker       [90]
#   KAFKA_HEAP_OPTS         JVM heap flags                       [-Xms256m -Xmx512m]
#   JAVA_HOME               JDK to use (else `java` on PATH)
#
# Needs: a JDK 17+ and Maven (apt-get install openjdk-17-jdk-headless maven).
set -euo pipefail

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
POM="$SCRIPT_DIR/kafka/pom.xml"
LOG4J_CONFIG="$SCRIPT_DIR/kafka/log4j2.properties"
KAFKA_VERSION=$(sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$POM")

HOST=127.0.0.1
PORT=${KAFKA_PORT:-39092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-39093}
SASL_PORT=${KAFKA_SASL_PORT:-39094}
SASL_USER=${KAFKA_SASL_USER:-pricewatch}
SASL_PASSWORD=${KAFKA_SASL_PASSWORD:-pricewatch-secret}
SASL_MECHANISMS=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
CACHE_DIR=${PRICEWATCH_KAFKA_HOME:-$HOME/.cache/pricewatch-kafka}
RUN_DIR=${PRICEWATCH_KAFKA_RUN:-/tmp/pricewatch-kafka}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT=30
# Modest heap: the machines have 2 cores and tests run alongside the broker.
read -r -a HEAP_OPTS <<<"${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"

PID_FILE="$RUN_DIR/kafka.pid"
LOG_FILE="$RUN_DIR/kafka.log"
PROPS_FILE="$RUN_DIR/server.properties"
ADDR_FILE="$RUN_DIR/address"
SASL_ADDR_FILE="$RUN_DIR/sasl-address"
DATA_DIR="$RUN_DIR/data"
LOCK_FILE="$RUN_DIR/.lock"

INSTALL_HINT="install a JDK 17+ and Maven (e.g. 'apt-get install openjdk-17-jdk-headless maven'), or set KAFKA_BROKERS to an existing Kafka cluster instead of starting one here"

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
log() { echo "kafka: $*" >&2; }
die() { echo "kafka: error: $*" >&2; exit 1; }

# Monotonic-enough seconds with millisecond precision, for timing messages.
now() { date +%s.%N; }
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# port_open PORT: true if something accepts TCP connections on HOST:PORT.
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# scram_enabled: true if KAFKA_SCRAM asks for the SASL listener.
scram_enabled() {
  case "${KAFKA_SCRAM:-0}" in
  1 | true | yes | on) return 0 ;;
  0 | false | no | off | "") return 1 ;;
  *) die "KAFKA_SCRAM=${KAFKA_SCRAM}: want 1 (add the SASL listener) or 0" ;;
  esac
}

# check_sasl_settings: the user and password go unquoted into the JAAS config
# and the --add-scram argument, so keep them to characters safe in both.
check_sasl_settings() {
  [[ $SASL_PORT =~ ^[0-9]+$ ]] || die "KAFKA_SASL_PORT=$SASL_PORT: want a port number"
  [[ $SASL_USER =~ ^[A-Za-z0-9._-]+$ ]] ||
    die "KAFKA_SASL_USER: want letters, digits, '.', '_' or '-' only"
  [[ $SASL_PASSWORD =~ ^[A-Za-z0-9._-]+$ ]] ||
    die "KAFKA_SASL_PASSWORD: want letters, digits, '.', '_' or '-' only"
}

# Serialise start/stop between concurrent callers. fd 9 must not leak into
# the broker (it would hold the lock for its whole life): see launch_broker.
take_lock() {
  mkdir -p "$RUN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$LOCK_FILE"
    flock -w 120 9 || die "another kafka.sh start/stop is holding $LOCK_FILE"
  fi
}

java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    echo "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "java not found: $INSTALL_HINT"
  fi
}

# Fails unless the JVM is Java 17 or newer (Kafka 4.x brokers need 17+).
check_java() {
  local java spec
  java=$(java_bin)
  spec=$("$java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = //p')
  [[ -n $spec ]] || die "could not run '$java -version': $INSTALL_HINT"
  if [[ $spec == 1.* ]] || ((${spec%%.*} < 17)); then
    die "Kafka $KAFKA_VERSION needs Java 17+, but $java is Java $spec: $INSTALL_HINT"
  fi
}

# resolve_classpath: print the broker's classpath. Maven resolves it once per
# pom content and the result is cached in CACHE_DIR; the jars themselves stay
# in the local Maven repository (~/.m2), shared with every other run.
resolve_classpath() {
  local key cp_file cp jar
  key=$(sha256sum "$POM" | cut -c1-12)
  cp_file="$CACHE_DIR/classpath-$KAFKA_VERSION-$key.txt"

  if [[ -s $cp_file ]]; then
    cp=$(<"$cp_file")
    local missing=0 jars
    IFS=: read -r -a jars <<<"$cp"
    for jar in "${jars[@]}"; do [[ -f $jar ]] || { missing=1; break; }; done
    if ((missing == 0)); then
      echo "$cp"
      return
    fi
    log "cached classpath refers to jars no longer in the Maven cache; resolving again"
  fi

  command -v mvn >/dev/null 2>&1 || die "mvn not found: $INSTALL_HINT"
  mkdir -p "$CACHE_DIR"
  log "resolving Apache Kafka $KAFKA_VERSION jars with Maven (the first time, ~65 MB go into ~/.m2)"
  # Maven's output is kept for when it fails (even -B -q leaves ANSI codes).
  # A failed download is remembered in ~/.m2 and not retried for a day unless
  # Maven is told -U, hence the second attempt.
  local mvn_log="$CACHE_DIR/mvn.log"
  local mvn_args=(-B -q -Dstyle.color=never -f "$POM" dependency:build-classpath
    -Dmdep.includeScope=runtime "-Dmdep.outputFile=$cp_file.tmp")
  if ! mvn "${mvn_args[@]}" >"$mvn_log" 2>&1 &&
    ! mvn -U "${mvn_args[@]}" >"$mvn_log" 2>&1; then
    sed $'s/\x1b\[[0-9;]*m//g' "$mvn_log" | tail -n 30 >&2 || true
    rm -f "$cp_file.tmp"
    die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (see above; is Maven Central reachable?): $INSTALL_HINT"
  fi
  mv "$cp_file.tmp" "$cp_file"
  cat "$cp_file"
}

# our_pids: pids of every Kafka JVM started for this run dir (the broker, or
# a StorageTool still formatting it): a kafka.Kafka / kafka.tools.StorageTool
# command line that names our server.properties. The pid file alone could be
# stale or point at a reused pid.
our_pids() {
  ps -ww -eo pid=,args= | awk -v props="$PROPS_FILE" '
    index($0, " " props) > 0 &&
    (index($0, " kafka.Kafka ") > 0 || index($0, " kafka.tools.StorageTool ") > 0) { print $1 }'
}

# running_pid: the broker's pid if the pid file names a live broker of ours.
running_pid() {
  local pid
  [[ -s $PID_FILE ]] || return 1
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  our_pids | grep -qx "$pid" || return 1
  echo "$pid"
}

# new_cluster_id: a random Kafka cluster id, i.e. what
# `kafka.tools.StorageTool random-uuid` prints (Uuid.randomUuid: 16 random
# bytes, base64url without padding, never starting with '-'), without paying
# for a JVM start.
new_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $id == -* ]] || break
  done
  echo "$id"
}

write_server_properties() {
  local listeners="PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT"
  local advertised="PLAINTEXT://$HOST:$PORT"
  local protocols="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  if scram_enabled; then
    listeners+=",SASL_PLAINTEXT://$HOST:$SASL_PORT"
    advertised+=",SASL_PLAINTEXT://$HOST:$SASL_PORT"
    protocols+=",SASL_PLAINTEXT:SASL_PLAINTEXT"
  fi
  # It may hold the PLAIN user's password: readable by its owner only.
  rm -f "$PROPS_FILE"
  (umask 077 && : >"$PROPS_FILE")
  cat >"$PROPS_FILE" <<EOF
# Written by scripts/kafka.sh: single-node KRaft (broker + controller) for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=$listeners
advertised.listeners=$advertised
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$DATA_DIR

# One broker: every internal topic gets replication factor 1.
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Internal topics with 1 partition instead of 50: the first consumer group /
# transactional producer of a test then does not wait for 50 partitions.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
# Consumer groups start right away instead of waiting 3s for more members.
group.initial.rebalance.delay.ms=0
# A transaction begun right after the previous commit finds its partitions
# still being marked; the broker retries adding them after this backoff
# (Kafka's default 20 ms, which an alert transaction per poll would wait
# every time; see README "Operation").
add.partitions.to.txn.retry.backoff.ms=1
# auto.create.topics.enable is left at Kafka's default (true).
EOF
  if scram_enabled; then
    cat >>"$PROPS_FILE" <<EOF

# KAFKA_SCRAM=1: a SASL_PLAINTEXT listener for clients. SCRAM credentials live
# in the cluster metadata (added at format time, see format_storage); PLAIN
# users are listed in the listener's JAAS config. No authorizer: an
# authenticated user may do anything, as on the PLAINTEXT listener.
sasl.enabled.mechanisms=$SASL_MECHANISMS
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$SASL_PASSWORD";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
  fi
}

# JVM flags for the broker (besides the heap), as in Kafka's kafka-run-class.sh.
JVM_COMMON=(
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$LOG4J_CONFIG"
)

format_storage() {
  local cp=$1 cluster_id scram=()
  cluster_id=$(new_cluster_id)
  if scram_enabled; then
    # SCRAM users are metadata records in KRaft: the bootstrap checkpoint
    # written here carries them, so the broker knows them from its first start.
    scram=(--add-scram "SCRAM-SHA-256=[name=$SASL_USER,password=$SASL_PASSWORD]"
      --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$SASL_PASSWORD]")
  fi
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  # Small heap and C1 only: this JVM just writes meta.properties and the
  # bootstrap checkpoint, so it should start fast rather than run fast.
  if ! "$(java_bin)" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$LOG4J_CONFIG" \
    -cp "$cp" kafka.tools.StorageTool format \
    --cluster-id "$cluster_id" --config "$PROPS_FILE" "${scram[@]}" \
    >>"$LOG_FILE" 2>&1 </dev/null 9>&-; then
    tail -n 50 "$LOG_FILE" >&2 || true
    die "formatting the Kafka storage failed (log: $LOG_FILE)"
  fi
}

# launch_broker CP: start kafka.Kafka in the background, detached in its own
# session/process group (so stop can signal the whole group and a CI step's
# end does not hang up on it), with all output going to LOG_FILE.
launch_broker() {
  local cp=$1
  rm -f "$PID_FILE"
  # The inner shell writes its own pid, then execs java under that same pid.
  # shellcheck disable=SC2016 # $$ and $@ are for the inner shell
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$(java_bin)" -server "${HEAP_OPTS[@]}" "${JVM_COMMON[@]}" \
    -cp "$cp" kafka.Kafka "$PROPS_FILE" \
    >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $PID_FILE ]] && return
    sleep 0.1
  done
  die "the broker did not start (no pid file $PID_FILE; log: $LOG_FILE)"
}

# wait_until_ready PID: wait until the broker logs that it started and its
# client port accepts connections. Fails (showing the log) if it dies first
# or START_TIMEOUT passes.
wait_until_ready() {
  local pid=$1 deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "the broker (pid $pid) exited during startup; last 50 lines of $LOG_FILE:"
      tail -n 50 "$LOG_FILE" >&2 || true
      die "Kafka broker failed to start"
    fi
    if grep -q 'Kafka Server started' "$LOG_FILE" && port_open "$PORT" &&
      { ! scram_enabled || port_open "$SASL_PORT"; }; then
      return 0
    fi
    sleep 0.25
  done
  log "the broker did not come up within ${START_TIMEOUT}s; last 50 lines of $LOG_FILE:"
  tail -n 50 "$LOG_FILE" >&2 || true
  stop_processes
  die "Kafka broker failed to start in time"
}

# The version the running broker reports in its log ("Kafka version: X").
reported_version() {
  sed -n 's/.*Kafka version: \([^ ]*\).*/\1/p' "$LOG_FILE" 2>/dev/null | head -n 1
}

# stop_processes: TERM our broker's process group (and any other process of
# ours), wait up to STOP_TIMEOUT, then KILL whatever is left.
stop_processes() {
  local pids pid pgid deadline
  pids=$(our_pids)
  [[ -n $pids ]] || return 0
  log "stopping Kafka broker (pid $(paste -sd, <<<"$pids"))"
  for pid in $pids; do
    pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
    # Signal the whole group only when it is the broker's own (setsid) group.
    if [[ -n $pgid && $pgid == "$pid" ]]; then
      kill -TERM -- "-$pgid" 2>/dev/null || true
    else
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done

  deadline=$((SECONDS + STOP_TIMEOUT))
  while [[ -n $(our_pids) ]] && ((SECONDS < deadline)); do sleep 0.25; done

  pids=$(our_pids)
  if [[ -n $pids ]]; then
    log "broker still running after ${STOP_TIMEOUT}s; sending KILL to $(paste -sd, <<<"$pids")"
    for pid in $pids; do
      pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
      if [[ -n $pgid && $pgid == "$pid" ]]; then
        kill -KILL -- "-$pgid" 2>/dev/null || true
      fi
      kill -KILL "$pid" 2>/dev/null || true
    done
    deadline=$((SECONDS + 10))
    while [[ -n $(our_pids) ]] && ((SECONDS < deadline)); do sleep 0.2; done
    [[ -z $(our_pids) ]] || die "could not kill Kafka processes: $(our_pids | paste -sd,)"
  fi
}

# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------
cmd_start() {
  local t0 cp pid addr="$HOST:$PORT" version
  t0=$(now)
  take_lock

  local ports=("$PORT" "$CONTROLLER_PORT")
  if scram_enabled; then
    check_sasl_settings
    ports+=("$SASL_PORT")
  fi

  # Already running (e.g. a second start in the same CI job): reuse it.
  if pid=$(running_pid) && [[ -s $ADDR_FILE ]] && port_open "$(cut -d: -f2 "$ADDR_FILE")"; then
    addr=$(<"$ADDR_FILE")
    if scram_enabled && [[ ! -s $SASL_ADDR_FILE ]]; then
      die "a broker without the SASL listener is already running (pid $pid) at $addr; stop it first (scripts/kafka.sh stop) to start one with KAFKA_SCRAM=1"
    fi
    log "already running (pid $pid) at $addr"
    if [[ -s $SASL_ADDR_FILE ]]; then
      log "SASL listener at $(<"$SASL_ADDR_FILE") (user $(<"$RUN_DIR/sasl-user"))"
    fi
    echo "$addr"
    return 0
  fi
  # Leftovers of a broker that died or hangs: clear them out first.
  stop_processes

  for p in "${ports[@]}"; do
    port_open "$p" && die "port $HOST:$p is already in use by another process; set KAFKA_PORT / KAFKA_CONTROLLER_PORT / KAFKA_SASL_PORT to free ports"
  done

  check_java
  cp=$(resolve_classpath)

  # Fresh state: empty data dir, new log, new config.
  rm -rf "$DATA_DIR" "$PID_FILE" "$ADDR_FILE" "$SASL_ADDR_FILE" "$RUN_DIR/sasl-user"
  mkdir -p "$DATA_DIR"
  : >"$LOG_FILE"
  write_server_properties
  format_storage "$cp"

  launch_broker "$cp"
  pid=$(<"$PID_FILE")
  wait_until_ready "$pid"
  echo "$addr" >"$ADDR_FILE"
  if scram_enabled; then
    echo "$SASL_USER" >"$RUN_DIR/sasl-user"
    echo "$HOST:$SASL_PORT" >"$SASL_ADDR_FILE"
  fi

  version=$(reported_version)
  log "Apache Kafka ${version:-$KAFKA_VERSION} broker (KRaft) at $addr"
  if scram_enabled; then
    log "SASL/SCRAM listener at $HOST:$SASL_PORT (user $SASL_USER; mechanisms ${SASL_MECHANISMS//,/, })"
  fi
  log "started in $(elapsed_since "$t0")s (pid $pid, log $LOG_FILE)"
  echo "$addr"
}

cmd_stop() {
  take_lock
  if [[ -z $(our_pids) ]]; then
    log "not running"
  else
    stop_processes
    log "stopped"
  fi
  rm -rf "$DATA_DIR"
  rm -f "$PID_FILE" "$ADDR_FILE" "$SASL_ADDR_FILE" "$RUN_DIR/sasl-user"
}

cmd_status() {
  local pid addr
  addr=$(cat "$ADDR_FILE" 2>/dev/null || echo "$HOST:$PORT")
  if pid=$(running_pid) && port_open "${addr##*:}"; then
    local sasl=""
    [[ -s $SASL_ADDR_FILE ]] && sasl=", SASL listener at $(<"$SASL_ADDR_FILE")"
    echo "running at $addr (pid $pid, Apache Kafka $(reported_version || true)$sasl, log $LOG_FILE)"
    return 0
  fi
  echo "not running ($addr)"
  return 1
}

cmd_sasl_address() {
  local addr
  if running_pid >/dev/null && [[ -s $SASL_ADDR_FILE ]]; then
    addr=$(<"$SASL_ADDR_FILE")
    if port_open "${addr##*:}"; then
      echo "$addr"
      return 0
    fi
  fi
  log "no running broker with a SASL listener (start one with KAFKA_SCRAM=1 scripts/kafka.sh start)"
  return 1
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
}

main() {
  [[ -n $KAFKA_VERSION ]] || die "no <kafka.version> in $POM"
  case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  sasl-address) cmd_sasl_address ;;
  version) echo "$KAFKA_VERSION" ;;
  classpath)
    check_java
    resolve_classpath
    ;;
  -h | --help | help)
    usage
    ;;
  *)
    usage
    exit 2
    ;;
  esac
}

main "$@"
