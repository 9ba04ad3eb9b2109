#!/bin/bash
# The apache/spark image's entrypoint, as Spark on Kubernetes calls it: `driver ARGS` runs spark-submit in client mode
# bound to SPARK_DRIVER_BIND_ADDRESS, `executor` runs KubernetesExecutorBackend from the SPARK_* variables the driver
# sets on executor pods, anything else runs as given. A uid without a passwd entry gets one through nss_wrapper (Spark
# asks the JVM for the user name); as root it drops to spark with gosu.
set -eo pipefail

attempt_setup_fake_passwd_entry() {
  local myuid mygid wrapper
  myuid=$(id -u)
  getent passwd "$myuid" >/dev/null 2>&1 && return 0
  for wrapper in {/usr,}/lib{/*,}/libnss_wrapper.so; do
    if [[ -s $wrapper ]]; then
      NSS_WRAPPER_PASSWD=$(mktemp)
      NSS_WRAPPER_GROUP=$(mktemp)
      export LD_PRELOAD=$wrapper NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
      mygid=$(id -g)
      printf 'spark:x:%s:%s:%s:%s:/bin/false\n' "$myuid" "$mygid" "${SPARK_USER_NAME:-anonymous uid}" "$SPARK_HOME" >"$NSS_WRAPPER_PASSWD"
      printf 'spark:x:%s:\n' "$mygid" >"$NSS_WRAPPER_GROUP"
      break
    fi
  done
}

if [[ -z $JAVA_HOME ]]; then
  JAVA_HOME=$(java -XshowSettings:properties -version 2>&1 >/dev/null | awk '/java.home/ {print $3}')
fi

SPARK_CLASSPATH="$SPARK_CLASSPATH:${SPARK_HOME}/jars/*"
SPARK_EXECUTOR_JAVA_OPTS=()
for v in "${!SPARK_JAVA_OPT_@}"; do
  SPARK_EXECUTOR_JAVA_OPTS+=("${!v}")
done
[[ -n $SPARK_EXTRA_CLASSPATH ]] && SPARK_CLASSPATH="$SPARK_CLASSPATH:$SPARK_EXTRA_CLASSPATH"
[[ -n ${PYSPARK_PYTHON+x} ]] && export PYSPARK_PYTHON
[[ -n ${PYSPARK_DRIVER_PYTHON+x} ]] && export PYSPARK_DRIVER_PYTHON
if [[ -n $HADOOP_HOME && -z $SPARK_DIST_CLASSPATH ]]; then
  SPARK_DIST_CLASSPATH=$("$HADOOP_HOME/bin/hadoop" classpath)
  export SPARK_DIST_CLASSPATH
fi
[[ -n ${HADOOP_CONF_DIR+x} ]] && SPARK_CLASSPATH="$HADOOP_CONF_DIR:$SPARK_CLASSPATH"
if [[ -n ${SPARK_CONF_DIR+x} ]]; then
  SPARK_CLASSPATH="$SPARK_CONF_DIR:$SPARK_CLASSPATH"
elif [[ -n ${SPARK_HOME+x} ]]; then
  SPARK_CLASSPATH="$SPARK_HOME/conf:$SPARK_CLASSPATH"
fi
SPARK_CLASSPATH="$SPARK_CLASSPATH:$PWD"

as_spark() {
  if [[ $(id -u) -eq 0 ]]; then exec gosu spark "$@"; else exec "$@"; fi
}

case "$1" in
  driver)
    shift 1
    CMD=(
      "$SPARK_HOME/bin/spark-submit"
      --conf "spark.driver.bindAddress=$SPARK_DRIVER_BIND_ADDRESS"
      --conf "spark.executorEnv.SPARK_DRIVER_POD_IP=$SPARK_DRIVER_BIND_ADDRESS"
      --deploy-mode client
      "$@"
    )
    attempt_setup_fake_passwd_entry
    as_spark /usr/bin/tini -s -- "${CMD[@]}"
    ;;
  executor)
    shift 1
    CMD=(
      "$JAVA_HOME/bin/java"
      "${SPARK_EXECUTOR_JAVA_OPTS[@]}"
      -Xms"$SPARK_EXECUTOR_MEMORY"
      -Xmx"$SPARK_EXECUTOR_MEMORY"
      -cp "$SPARK_CLASSPATH:$SPARK_DIST_CLASSPATH"
      -Djava.net.preferIPv6Addresses="$SPARK_PREFER_IPV6"
      org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend
      --driver-url "$SPARK_DRIVER_URL"
      --executor-id "$SPARK_EXECUTOR_ID"
      --cores "$SPARK_EXECUTOR_CORES"
      --app-id "$SPARK_APPLICATION_ID"
      --hostname "$SPARK_EXECUTOR_POD_IP"
      --resourceProfileId "$SPARK_RESOURCE_PROFILE_ID"
      --podName "$SPARK_EXECUTOR_POD_NAME"
    )
    attempt_setup_fake_passwd_entry
    as_spark /usr/bin/tini -s -- "${CMD[@]}"
    ;;
  *)
    exec "$@"
    ;;
esac
