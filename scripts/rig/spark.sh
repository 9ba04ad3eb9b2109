#!/usr/bin/env bash
# Apache Spark in local mode with Apache Iceberg, for the lake's batch and maintenance jobs; nothing stays running.
#  - Spark from the pyspark package on PyPI (it carries Spark's jars and spark-submit), in a venv;
#  - iceberg-spark-runtime and iceberg-aws-bundle (the AWS SDK that Iceberg's S3FileIO needs) from Maven Central.
# Versions come from packages/config (versions.spark, versions.iceberg). Cached in $RIG_CACHE, installs serialized
# with flock since several worktrees share the cache.
# Verbs: install | start (prints SPARK_HOME=... SPARK_SUBMIT=... SPARK_PYTHON=... SPARK_JARS=...) | stop | status
source "$(dirname "$0")/lib.sh"

config_version() {
  sed -nE "s/^ *$1: semver\.default\('([0-9.]+)'\).*/\1/p" "$RIG_ROOT/packages/config/src/schema.ts" | head -1
}
SPARK_VERSION=${SPARK_VERSION:-$(config_version spark)}
ICEBERG_VERSION=${ICEBERG_VERSION:-$(config_version iceberg)}
[[ $SPARK_VERSION =~ ^([0-9]+)\.([0-9]+)\.[0-9]+$ ]] || die "cannot read versions.spark from packages/config/src/schema.ts"
SPARK_LINE=${BASH_REMATCH[1]}.${BASH_REMATCH[2]}
[[ $ICEBERG_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot read versions.iceberg from packages/config/src/schema.ts"
SCALA=2.13
HOME_DIR=$RIG_CACHE/spark-$SPARK_VERSION
VENV=$HOME_DIR/venv
JARS=$HOME_DIR/iceberg-$ICEBERG_VERSION

spark_home() { "$VENV/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'; }

jar_list() {
  printf '%s,%s' "$JARS/iceberg-spark-runtime-${SPARK_LINE}_$SCALA-$ICEBERG_VERSION.jar" \
    "$JARS/iceberg-aws-bundle-$ICEBERG_VERSION.jar"
}

install() {
  [[ -f $VENV/.complete && -f $JARS/.complete ]] && return 0
  command -v java >/dev/null || die "java (17 or newer) is needed: apt-get install openjdk-17-jre-headless"
  command -v mvn >/dev/null || die "maven is needed: apt-get install maven"
  mkdir -p "$HOME_DIR"
  local lock
  exec {lock}>"$HOME_DIR/.lock"
  flock "$lock"
  if [[ ! -f $VENV/.complete ]]; then
    log "installing pyspark $SPARK_VERSION from PyPI"
    rm -rf "$VENV"
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q --disable-pip-version-check "pyspark==$SPARK_VERSION" >&2
    touch "$VENV/.complete"
  fi
  if [[ ! -f $JARS/.complete ]]; then
    log "resolving Apache Iceberg $ICEBERG_VERSION for Spark $SPARK_LINE from Maven Central"
    local tmp=$JARS.tmp artifact
    rm -rf "$tmp"
    mkdir -p "$tmp"
    for artifact in "org.apache.iceberg:iceberg-spark-runtime-${SPARK_LINE}_$SCALA:$ICEBERG_VERSION" \
      "org.apache.iceberg:iceberg-aws-bundle:$ICEBERG_VERSION"; do
      mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="$artifact" -DoutputDirectory="$tmp" >&2
    done
    touch "$tmp/.complete"
    rm -rf "$JARS"
    mv "$tmp" "$JARS"
  fi
  exec {lock}>&-
}

case "${1:-}" in
  install) install ;;
  start)
    install
    home=$(spark_home)
    printf 'SPARK_HOME=%s\nSPARK_SUBMIT=%s\nSPARK_PYTHON=%s\nSPARK_JARS=%s\n' \
      "$home" "$home/bin/spark-submit" "$VENV/bin/python" "$(jar_list)"
    ;;
  stop) ;;
  status) [[ -f $VENV/.complete && -f $JARS/.complete ]] && echo installed || { echo 'not installed'; exit 1; } ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
