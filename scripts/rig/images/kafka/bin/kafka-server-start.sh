#!/usr/bin/env bash
# kafka-server-start.sh server.properties [--override key=value]...: the broker in the foreground, with the
# distribution's defaults (a 1 GiB heap, the broker's log4j2 config) where the variables leave them unset.
set -euo pipefail
(($# > 0)) || { echo "usage: $0 server.properties [--override property=value]*" >&2; exit 1; }
base_dir=$(cd "$(dirname "$0")/.." && pwd)
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}
export KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/config/log4j2.properties}
exec "$base_dir/bin/kafka-run-class.sh" kafka.Kafka "$@"
