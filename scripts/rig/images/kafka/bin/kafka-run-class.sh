#!/usr/bin/env bash
# kafka-run-class.sh CLASS ARGS...: runs CLASS on Java with every jar in /opt/kafka/libs, with the distribution
# script's variables: JAVA_HOME, KAFKA_HEAP_OPTS (default -Xmx256M), KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_GC_LOG_OPTS,
# KAFKA_JMX_OPTS, KAFKA_LOG4J_OPTS (default: the tools' log4j2 config), KAFKA_OPTS, LOG_DIR, CLASSPATH.
set -euo pipefail
(($# > 0)) || { echo "usage: $0 CLASS [ARGS...]" >&2; exit 1; }
base_dir=$(cd "$(dirname "$0")/.." && pwd)
classpath="${CLASSPATH:+$CLASSPATH:}$base_dir/libs/*"
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
export LOG_DIR=${LOG_DIR:-$base_dir/logs}
read -ra heap <<<"${KAFKA_HEAP_OPTS:--Xmx256M}"
read -ra perf <<<"${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
read -ra gc <<<"${KAFKA_GC_LOG_OPTS:-}"
read -ra jmx <<<"${KAFKA_JMX_OPTS:-}"
read -ra log4j <<<"${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.properties}"
read -ra opts <<<"${KAFKA_OPTS:-}"
exec "$java" "${heap[@]}" "${perf[@]}" "${gc[@]}" "${jmx[@]}" "${log4j[@]}" -Dkafka.logs.dir="$LOG_DIR" "${opts[@]}" \
  -cp "$classpath" "$@"
