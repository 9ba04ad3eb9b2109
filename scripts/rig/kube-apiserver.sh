#!/usr/bin/env bash
# A Kubernetes API server on loopback: Debian's etcd plus kube-apiserver and kubectl built from the Kubernetes Go module
# at the config's `versions.kubernetes`. No controllers, no kubelet: enough to admit, store and read back objects.
# Verbs: install | start | stop | status | openapi (prints OPENAPI_SPEC=the release's swagger.json) | kubectl ARGS...
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kubernetes/build.sh"

STATE=$RIG_STATE/kube-apiserver
ENV_FILE=$STATE/env
BIN=$K8S_BIN

install() {
  apt_install etcd-server openssl
  kubernetes_build kube-apiserver kubectl
}

print_env() { cat "$ENV_FILE"; }

certs() {
  local pki=$STATE/pki
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=stratus-rig-ca -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile server.ext -out server.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj '/CN=stratus-admin/O=system:masters' -keyout admin.key -out admin.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile admin.ext -out admin.crt 2>/dev/null
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
    openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

kubeconfig() {
  local port=$1 pki=$STATE/pki
  cat >"$STATE/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: rig
    cluster:
      server: https://127.0.0.1:$port
      certificate-authority: $pki/ca.crt
users:
  - name: admin
    user:
      client-certificate: $pki/admin.crt
      client-key: $pki/admin.key
contexts:
  - name: rig
    context: { cluster: rig, user: admin }
current-context: rig
YAML
}

start() {
  if pid_alive "$STATE/etcd.pid" && pid_alive "$STATE/apiserver.pid" && [[ -f $ENV_FILE ]]; then
    print_env
    return 0
  fi
  stop >/dev/null 2>&1 || true
  install
  rm -rf "$STATE"
  mkdir -p "$STATE"
  certs
  local etcd_port peer_port api_port
  etcd_port=$(free_port)
  peer_port=$(free_port)
  api_port=$(free_port)
  log "starting etcd on 127.0.0.1:$etcd_port"
  ETCD_UNSUPPORTED_ARCH='' etcd --name rig --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "rig=http://127.0.0.1:$peer_port" --log-level warn >"$STATE/etcd.log" 2>&1 &
  echo $! >"$STATE/etcd.pid"
  wait_port "$etcd_port" 30 || die "etcd did not start (see $STATE/etcd.log)"
  log "starting kube-apiserver v$K8S_VERSION on 127.0.0.1:$api_port"
  local pki=$STATE/pki
  "$BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$pki/server.crt" --tls-private-key-file "$pki/server.key" --client-ca-file "$pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.43.0.0/16 --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction --allow-privileged=false \
    >"$STATE/apiserver.log" 2>&1 &
  echo $! >"$STATE/apiserver.pid"
  kubeconfig "$api_port"
  local deadline=$((SECONDS + 120))
  until "$BIN/kubectl" --kubeconfig "$STATE/kubeconfig" get --raw /readyz >/dev/null 2>&1; do
    pid_alive "$STATE/apiserver.pid" || die "kube-apiserver exited (see $STATE/apiserver.log)"
    ((SECONDS < deadline)) || die "kube-apiserver not ready after 120 s (see $STATE/apiserver.log)"
    sleep 0.5
  done
  printf 'KUBECONFIG=%s\nKUBECTL=%s\nKUBE_APISERVER_URL=https://127.0.0.1:%s\nKUBERNETES_VERSION=%s\n' \
    "$STATE/kubeconfig" "$BIN/kubectl" "$api_port" "$K8S_VERSION" >"$ENV_FILE"
  print_env
}

stop() {
  local name
  for name in apiserver etcd; do
    if pid_alive "$STATE/$name.pid"; then
      kill "$(cat "$STATE/$name.pid")"
      while pid_alive "$STATE/$name.pid"; do sleep 0.1; done
    fi
    rm -f "$STATE/$name.pid"
  done
  rm -f "$ENV_FILE"
}

status() {
  if pid_alive "$STATE/etcd.pid" && pid_alive "$STATE/apiserver.pid"; then
    echo running
    print_env
  else
    echo stopped
    return 1
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  openapi)
    printf 'OPENAPI_SPEC=%s/api/openapi-spec/swagger.json\n' "$(kubernetes_module_dir)"
    ;;
  kubectl)
    shift
    exec "$BIN/kubectl" --kubeconfig "$STATE/kubeconfig" "$@"
    ;;
  *) die "usage: $0 install|start|stop|status|openapi|kubectl ARGS..." ;;
esac
