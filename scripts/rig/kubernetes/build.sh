# shellcheck shell=bash
# Sourced by the rig scripts that need Kubernetes binaries (kube-apiserver.sh, cluster.sh), after lib.sh.
# Builds the components of k8s.io/kubernetes at the config's `versions.kubernetes` from the Go module, cached in
# $RIG_CACHE/kubernetes/vVERSION/bin. The module's go.mod replaces its staging modules with ./staging paths, which a
# module zip does not contain, so a small main module requires k8s.io/kubernetes and points each staging module at
# its published v0.MINOR.PATCH release; each component's main is upstream's own cmd/NAME/*.go, copied unchanged.

config_value() {
  (cd "$RIG_ROOT" && node --import tsx/esm -e \
    "import('@stratus/config').then((m) => console.log(m.loadConfig().$1))" 2>/dev/null) ||
    die "cannot read $1 from @stratus/config (run pnpm install first)"
}

K8S_VERSION=${K8S_VERSION:-$(config_value versions.kubernetes)}
K8S_BIN=$RIG_CACHE/kubernetes/v$K8S_VERSION/bin

# The k8s.io/kubernetes module in the Go module cache (downloaded once): its go.mod, cmd mains and OpenAPI spec.
kubernetes_module_dir() {
  go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'
}

# kubernetes_build COMPONENT...: builds the missing ones (kube-apiserver, kubelet, kubectl, ...) into $K8S_BIN.
# One lock for all, since the rig scripts' installs run side by side; one `go build` for all, so the packages the
# components share compile once and the Go toolchain spreads the work over the cores.
kubernetes_build() {
  local missing=() c
  for c in "$@"; do [[ -x $K8S_BIN/$c ]] || missing+=("$c"); done
  ((${#missing[@]})) || return 0
  command -v go >/dev/null || die "go is needed to build ${missing[*]}"
  local lock
  mkdir -p "$K8S_BIN"
  exec {lock}>"$RIG_CACHE/kubernetes/v$K8S_VERSION.lock"
  flock "$lock"
  missing=()
  for c in "$@"; do [[ -x $K8S_BIN/$c ]] || missing+=("$c"); done
  if ((${#missing[@]})); then
    local module src=$RIG_CACHE/kubernetes/v$K8S_VERSION/src staging=v0.${K8S_VERSION#*.} m
    module=$(kubernetes_module_dir)
    rm -rf "$src"
    mkdir -p "$src"
    {
      printf 'module stratus.local/kubernetes-rig\n\ngo 1.26.0\n\ngodebug default=go1.26\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$K8S_VERSION"
      for m in $(sed -n 's#^\t\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$module/go.mod"); do
        printf '\t%s => %s %s\n' "$m" "$m" "$staging"
      done
      printf ')\n'
    } >"$src/go.mod"
    for c in "${missing[@]}"; do
      [[ -d $module/cmd/$c ]] || die "k8s.io/kubernetes v$K8S_VERSION has no cmd/$c"
      mkdir -p "$src/$c"
      cp "$module/cmd/$c/"*.go "$src/$c/"
      chmod u+w "$src/$c/"*.go
      rm -f "$src/$c/"*_test.go
    done
    local minor=${K8S_VERSION#*.} stamp='-s -w' pkg
    minor=${minor%%.*}
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      stamp+=" -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    done
    log "building ${missing[*]} v$K8S_VERSION from the Go module (minutes on few cores)"
    (
      cd "$src"
      GOFLAGS=-mod=mod go mod tidy >&2
      mkdir -p out
      CGO_ENABLED=0 go build -trimpath -ldflags="$stamp" -o out/ "${missing[@]/#/./}" >&2
    ) || { exec {lock}>&-; die "building ${missing[*]} failed"; }
    for c in "${missing[@]}"; do mv "$src/out/$c" "$K8S_BIN/$c"; done
  fi
  exec {lock}>&-
}
