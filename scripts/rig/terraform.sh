#!/usr/bin/env bash
# Terraform (from PATH, else OpenTofu built from its Go module) with the OpenStack and random providers built
# from Go and served from a filesystem mirror, so that `terraform init` works offline.
# `start` prints TF_CLI_CONFIG_FILE (the CLI config that points at the mirror) and TERRAFORM (the binary).
source "$(dirname "$0")/lib.sh"
TOFU_VERSION=v1.10.10
OPENSTACK_MODULE=github.com/terraform-provider-openstack/terraform-provider-openstack/v3
RANDOM_SOURCE=$RIG_ROOT/scripts/rig/terraform-provider-random
MIRROR=$RIG_CACHE/terraform-mirror
CLI_CONFIG=$RIG_CACHE/terraform.rc
PLATFORM=$(go env GOOS)_$(go env GOARCH)

# The provider versions pinned in packages/config (versions.openstackProvider, versions.randomProvider).
read -r OPENSTACK_VERSION RANDOM_VERSION < <(
  cd "$RIG_ROOT" && pnpm --silent exec tsx -e "import('@stratus/config').then(({ loadConfig }) => {
    const { versions } = loadConfig();
    console.log(versions.openstackProvider, versions.randomProvider);
  })"
)
[[ -n ${OPENSTACK_VERSION:-} && -n ${RANDOM_VERSION:-} ]] || die "cannot read the provider versions from packages/config"

go_build() { # OUT DIR TARGET: a static, stripped build of TARGET in the Go module at DIR
  local out=$1 dir=$2 target=$3
  mkdir -p "$(dirname "$out")"
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS='-mod=mod -buildvcs=false' go build -trimpath -ldflags='-s -w' -o "$out.partial" "$target") >&2
  mv "$out.partial" "$out"
}

build_module() { # OUT MODULE VERSION PACKAGE: builds PACKAGE inside the module's own source, with its go.mod, go.sum and replaces
  local out=$1 module=$2 version=$3 package=$4 source tmp
  source=$(GOFLAGS=-mod=mod go mod download -json "$module@$version" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  tmp=$(mktemp -d)
  cp -r "$source" "$tmp/src"
  chmod -R u+w "$tmp/src"
  go_build "$out" "$tmp/src" "$package"
  rm -rf "$tmp"
}

terraform_bin() {
  if command -v terraform >/dev/null; then
    command -v terraform
    return
  fi
  local bin=$RIG_CACHE/opentofu-$TOFU_VERSION/tofu
  if [[ ! -x $bin ]]; then
    log "terraform is not on PATH: building OpenTofu $TOFU_VERSION from its Go module"
    build_module "$bin" github.com/opentofu/opentofu "$TOFU_VERSION" ./cmd/tofu
  fi
  echo "$bin"
}

openstack_bin() {
  local bin=$RIG_CACHE/terraform-providers/openstack-$OPENSTACK_VERSION/terraform-provider-openstack
  if [[ ! -x $bin ]]; then
    log "building terraform-provider-openstack $OPENSTACK_VERSION from its Go module"
    build_module "$bin" "$OPENSTACK_MODULE" "v$OPENSTACK_VERSION" .
  fi
  echo "$bin"
}

random_bin() {
  local digest bin
  digest=$(cat "$RANDOM_SOURCE"/go.mod "$RANDOM_SOURCE"/*.go | sha256sum | cut -c1-12)
  bin=$RIG_CACHE/terraform-providers/random-$digest/terraform-provider-random
  if [[ ! -x $bin ]]; then
    log "building the random provider from $RANDOM_SOURCE"
    go_build "$bin" "$RANDOM_SOURCE" .
  fi
  echo "$bin"
}

mirror() { # NAMESPACE TYPE VERSION BINARY: places BINARY in the mirror for both registry hosts
  local namespace=$1 type=$2 version=$3 binary=$4 host dir
  for host in registry.terraform.io registry.opentofu.org; do
    dir=$MIRROR/$host/$namespace/$type/$version/$PLATFORM
    mkdir -p "$dir"
    ln -f "$binary" "$dir/terraform-provider-${type}_v$version"
  done
}

install() {
  exec 9>"$RIG_CACHE/terraform.lock"
  flock 9
  terraform_bin >/dev/null
  mirror terraform-provider-openstack openstack "$OPENSTACK_VERSION" "$(openstack_bin)"
  mirror hashicorp random "$RANDOM_VERSION" "$(random_bin)"
  cat >"$CLI_CONFIG.partial" <<EOF
disable_checkpoint = true
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/*/*", "registry.opentofu.org/*/*"]
  }
}
EOF
  mv "$CLI_CONFIG.partial" "$CLI_CONFIG"
}

case ${1:-} in
  install) install ;;
  start)
    install
    echo "TF_CLI_CONFIG_FILE=$CLI_CONFIG"
    echo "TERRAFORM=$(terraform_bin)"
    ;;
  stop) ;;
  status)
    if [[ -f $CLI_CONFIG ]]; then
      echo "installed: $(terraform_bin), mirror $MIRROR (openstack $OPENSTACK_VERSION, random $RANDOM_VERSION)"
    else
      echo "not installed"
    fi
    ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
