#!/usr/bin/env bash
# Apache Kafka in KRaft mode from the official jars on Maven Central, run on Java 17 on loopback.
#   start [single|cluster]    1 broker (RF 1) or 3 brokers (RF 3, min.insync.replicas 2), each broker+controller;
#                             the cluster uses the chart's group.initial.rebalance.delay.ms, the single broker 0
#   stop [single|cluster]     stops one shape, or both; the data is thrown away
#   kill-broker N [shape]     kill -9 broker N (1-based; shape defaults to cluster)
#   start-broker N [shape]    starts broker N again on its old ports and data
#   tool MainClass args...    runs one of Kafka's tools from the same jars; names are relative to
#                             org.apache.kafka.tools unless they start with org. or kafka.
#                             (ConsumerPerformance, consumer.ConsoleConsumer, kafka.tools.StorageTool, ...)
#   streams-bench             builds (once, cached) the Kafka Streams program of `pnpm bench:stream` from Maven
#                             Central and prints STREAMS_BENCH_CLASSPATH=...
#   install | status
source "$(dirname "$0")/lib.sh"

KAFKA_VERSION=${KAFKA_VERSION:-$(sed -nE "s/^ *kafka: semver\.default\('([0-9.]+)'\).*/\1/p" "$RIG_ROOT/packages/config/src/schema.ts")}
[[ $KAFKA_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot read versions.kafka from packages/config/src/schema.ts"
HOME_DIR=$RIG_CACHE/kafka-$KAFKA_VERSION
LIBS=$HOME_DIR/libs
FILES=$RIG_ROOT/scripts/rig/kafka
STATE=$RIG_STATE/kafka
read -ra HEAP_OPTS <<<"${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
JVM_OPTS=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
  -XX:CICompilerCount=2 -XX:ActiveProcessorCount=2 -Djava.awt.headless=true)

install() {
  [[ -f $LIBS/.complete ]] && return 0
  # prepare.sh installs side by side, and the image rig installs Kafka too: one resolution at a time.
  mkdir -p "$HOME_DIR"
  exec {lock}>"$HOME_DIR/.lock"
  flock "$lock"
  [[ -f $LIBS/.complete ]] && return 0
  command -v java >/dev/null || die "java (17 or newer) is needed: apt-get install openjdk-17-jre-headless"
  command -v mvn >/dev/null || die "maven is needed: apt-get install maven"
  log "resolving Apache Kafka $KAFKA_VERSION from Maven Central"
  local tmp=$HOME_DIR/libs.tmp
  rm -rf "$tmp"
  mvn -q -B -Dstyle.color=never -f "$FILES/pom.xml" -Dkafka.version="$KAFKA_VERSION" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >&2
  touch "$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
}

# brokers SHAPE: how many brokers the shape has.
brokers() { [[ $1 == cluster ]] && echo 3 || echo 1; }

check_shape() { [[ $1 == single || $1 == cluster ]] || die "shape must be single or cluster, not '$1'"; }

# The 3-broker shape delays a new group's first rebalance as the chart's brokers do, so that tests see its cost;
# the single broker keeps 0 for fast tests.
chart_rebalance_delay() {
  local ms
  ms=$(sed -nE "s/.*'group\.initial\.rebalance\.delay\.ms=([0-9]+)'.*/\1/p" "$RIG_ROOT/packages/k8s/src/kafka-cluster.ts" | head -n1)
  [[ $ms =~ ^[0-9]+$ ]] || die "cannot read group.initial.rebalance.delay.ms from packages/k8s/src/kafka-cluster.ts"
  echo "$ms"
}

# props SHAPE N: the server.properties of broker N.
props() {
  local shape=$1 n=$2 dir=$STATE/$1 count rf isr voters="" i delay=0
  count=$(brokers "$shape")
  rf=$count
  isr=$((count > 1 ? 2 : 1))
  for ((i = 1; i <= count; i++)); do
    voters+="${voters:+,}$i@127.0.0.1:$(cat "$dir/controller-$i.port")"
  done
  [[ $shape == cluster ]] && delay=$(chart_rebalance_delay)
  cat <<EOF
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(cat "$dir/broker-$n.port"),CONTROLLER://127.0.0.1:$(cat "$dir/controller-$n.port")
advertised.listeners=PLAINTEXT://127.0.0.1:$(cat "$dir/broker-$n.port")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data-$n
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
group.initial.rebalance.delay.ms=$delay
group.min.session.timeout.ms=1000
transaction.abort.timed.out.transaction.cleanup.interval.ms=1000
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
replica.lag.time.max.ms=5000
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=-1
EOF
}

java_run() { java -cp "$LIBS/*" "${JVM_OPTS[@]}" "$@"; }

# launch SHAPE N: starts broker N in the background, detached from the caller's terminal and pipes.
launch() {
  local dir=$STATE/$1 n=$2
  setsid java -cp "$LIBS/*" "${HEAP_OPTS[@]}" "${JVM_OPTS[@]}" \
    -Dlog4j2.configurationFile="$FILES/log4j2.properties" -Dkafka.logs.dir="$dir" \
    kafka.Kafka "$dir/server-$n.properties" >"$dir/broker-$n.log" 2>&1 </dev/null &
  echo $! >"$dir/broker-$n.pid"
}

wait_broker() {
  local dir=$STATE/$1 n=$2
  wait_port "$(cat "$dir/broker-$n.port")" 120 || {
    tail -n 30 "$dir/broker-$n.log" >&2
    die "broker $n of the $1 Kafka did not start (log: $dir/broker-$n.log)"
  }
}

print_env() {
  local dir=$STATE/$1 count list="" i
  count=$(brokers "$1")
  for ((i = 1; i <= count; i++)); do list+="${list:+,}127.0.0.1:$(cat "$dir/broker-$i.port")"; done
  echo "KAFKA_BROKERS=$list"
  echo "KAFKA_VERSION=$KAFKA_VERSION"
  echo "KAFKA_SHAPE=$1"
}

running() {
  local dir=$STATE/$1 count i
  count=$(brokers "$1")
  for ((i = 1; i <= count; i++)); do pid_alive "$dir/broker-$i.pid" || return 1; done
}

start() {
  local shape=${1:-single} dir count cid i
  check_shape "$shape"
  dir=$STATE/$shape
  count=$(brokers "$shape")
  if [[ -f $dir/.formatted ]] && running "$shape"; then
    print_env "$shape"
    return 0
  fi
  install
  if [[ ! -f $dir/.formatted ]]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    for ((i = 1; i <= count; i++)); do
      free_port >"$dir/broker-$i.port"
      free_port >"$dir/controller-$i.port"
    done
    for ((i = 1; i <= count; i++)); do props "$shape" "$i" >"$dir/server-$i.properties"; done
    cid=$(python3 -c 'import base64,uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
    log "formatting the $shape Kafka $KAFKA_VERSION ($count broker(s), cluster id $cid)"
    for ((i = 1; i <= count; i++)); do
      java_run -Dlog4j2.configurationFile="$FILES/tools-log4j2.properties" \
        kafka.tools.StorageTool format --cluster-id="$cid" -c "$dir/server-$i.properties" >"$dir/format-$i.log" 2>&1 &
    done
    for ((i = 1; i <= count; i++)); do
      wait -n || { cat "$dir"/format-*.log >&2; die "formatting the $shape Kafka failed"; }
    done
    touch "$dir/.formatted"
  fi
  for ((i = 1; i <= count; i++)); do pid_alive "$dir/broker-$i.pid" || launch "$shape" "$i"; done
  for ((i = 1; i <= count; i++)); do wait_broker "$shape" "$i"; done
  log "the $shape Kafka $KAFKA_VERSION is up"
  print_env "$shape"
}

# stop_pid FILE: SIGTERM (controlled shutdown), then SIGKILL after 20 s.
stop_pid() {
  local file=$1 pid deadline
  pid_alive "$file" || return 0
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  local shapes=("${1:-single}") shape i
  [[ -z ${1:-} ]] && shapes=(single cluster)
  for shape in "${shapes[@]}"; do
    check_shape "$shape"
    [[ -d $STATE/$shape ]] || continue
    for ((i = 1; i <= $(brokers "$shape"); i++)); do stop_pid "$STATE/$shape/broker-$i.pid" & done
    wait
    rm -rf "${STATE:?}/$shape"
    log "stopped the $shape Kafka"
  done
}

broker_arg() {
  local n=${1:-} shape=${2:-cluster}
  check_shape "$shape"
  if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > $(brokers "$shape"))); then
    die "broker must be 1..$(brokers "$shape"), not '$n'"
  fi
  [[ -f $STATE/$shape/.formatted ]] || die "the $shape Kafka is not running; start it first"
}

kill_broker() {
  broker_arg "$@"
  local file=$STATE/${2:-cluster}/broker-$1.pid
  pid_alive "$file" && kill -9 "$(cat "$file")"
  log "killed broker $1 of the ${2:-cluster} Kafka"
}

start_broker() {
  broker_arg "$@"
  local shape=${2:-cluster}
  pid_alive "$STATE/$shape/broker-$1.pid" || launch "$shape" "$1"
  wait_broker "$shape" "$1"
  log "broker $1 of the $shape Kafka is up"
}

tool() {
  local main=${1:-}
  [[ -n $main ]] || die "usage: $0 tool MainClass args..."
  shift
  [[ $main == org.* || $main == kafka.* ]] || main=org.apache.kafka.tools.$main
  install
  java_run -Xmx512m -Dlog4j2.configurationFile="$FILES/tools-log4j2.properties" "$main" "$@"
}

STREAMS_SRC=$RIG_ROOT/apps/processor/bench/kafka-streams

streams_bench() {
  command -v mvn >/dev/null || die "maven is needed: apt-get install maven"
  local hash dir lock
  hash=$(cd "$STREAMS_SRC" && find pom.xml src -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  dir=$RIG_CACHE/kafka-streams-bench-$hash
  exec {lock}>"$RIG_CACHE/kafka-streams-bench.lock"
  flock "$lock"
  if [[ ! -f $dir/.complete ]]; then
    log "building the Kafka Streams bench program (Kafka Streams $KAFKA_VERSION from Maven Central)"
    rm -rf "$dir"
    mkdir -p "$dir/build"
    cp -r "$STREAMS_SRC/pom.xml" "$STREAMS_SRC/src" "$dir/build/"
    mvn -q -B -Dstyle.color=never -f "$dir/build/pom.xml" -Dkafka.version="$KAFKA_VERSION" package \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/libs" >&2
    cp "$dir"/build/target/*.jar "$dir/libs/"
    rm -rf "$dir/build"
    touch "$dir/.complete"
  fi
  exec {lock}>&-
  echo "STREAMS_BENCH_CLASSPATH=$dir/libs/*"
}

status() {
  local shape i
  for shape in single cluster; do
    [[ -d $STATE/$shape ]] || { echo "$shape: stopped"; continue; }
    for ((i = 1; i <= $(brokers "$shape"); i++)); do
      if pid_alive "$STATE/$shape/broker-$i.pid"; then echo "$shape broker $i: running"; else echo "$shape broker $i: down"; fi
    done
  done
}

case ${1:-} in
  install) install ;;
  start) start "${@:2}" ;;
  stop) stop "${@:2}" ;;
  status) status ;;
  kill-broker) kill_broker "${@:2}" ;;
  start-broker) start_broker "${@:2}" ;;
  tool) tool "${@:2}" ;;
  streams-bench) streams_bench ;;
  *) die "usage: $0 install|start [single|cluster]|stop [single|cluster]|status|kill-broker N|start-broker N|tool MainClass args...|streams-bench" ;;
esac
