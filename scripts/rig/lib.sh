# Shared by the rig scripts: where downloads are cached, where running services keep their state.
# Each service script answers `start` (idempotent; prints KEY=value lines for clients), `stop` and `status`.
set -euo pipefail

RIG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export RIG_ROOT
export RIG_CACHE=${STRATUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stratus}
export RIG_STATE=${STRATUS_RIG_STATE:-$RIG_ROOT/.rig}
mkdir -p "$RIG_CACHE" "$RIG_STATE"

log() { printf '[rig] %s\n' "$*" >&2; }
die() { printf '[rig] error: %s\n' "$*" >&2; exit 1; }

# A TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT [SECONDS]: until something accepts connections on 127.0.0.1:PORT.
wait_port() {
  local port=$1 deadline=$((SECONDS + ${2:-60}))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# pid_alive FILE: the pid recorded in FILE is a running process.
pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# apt_install PKG...: installs the Debian packages that are missing, updating the lists once.
# Serialized with a lock, since prepare.sh installs services side by side and dpkg allows one at a time.
apt_install() {
  local missing=() lock
  exec {lock}>"$RIG_STATE/.apt.lock"
  flock "$lock"
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]} == 0)); then exec {lock}>&-; return 0; fi
  log "apt-get install ${missing[*]}"
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  if [[ ! -f $RIG_STATE/.apt-updated ]]; then
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq >&2
    touch "$RIG_STATE/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  exec {lock}>&-
}
