#!/bin/bash
# Graceful decommissioning of an executor (spark.decommission.enabled): SIGPWR to the executor JVM, then wait for it.
set -ex
WORKER_PID=$(ps -o pid= -C java | head -n 1 | tr -d ' ')
echo "Asking $WORKER_PID to decommission"
kill -s SIGPWR "$WORKER_PID"
while kill -0 "$WORKER_PID" 2>/dev/null; do sleep 1; done
echo "Done"
date
