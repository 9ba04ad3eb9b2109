#!/usr/bin/env bash
# A real one-node Kubernetes in its own network namespace, built like k3s from registry parts: Debian's containerd,
# runc and CNI plugins; kube-apiserver, controller-manager, scheduler, kubelet, kube-proxy and kubectl from the
# k8s.io/kubernetes Go module at `versions.kubernetes`; CoreDNS and Traefik as pods from images the rig writes itself;
# kube-router's NetworkPolicy controller and the local-path provisioner as host processes, as k3s runs them in its
# agent. Nothing it starts has a route out of this machine; it changes no host sysctl (the kubelet sees masked
# copies) and `stop` leaves no process, mount, interface, netns, iptables rule or cgroup behind.
# Verbs: install | start | stop | status | env | exec CMD... (in the cluster's network and mount namespaces) |
#        kubectl ARGS... | ctr ARGS...
# See docs/cluster.md.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kubernetes/build.sh"

COREDNS_VERSION=v1.15.0
TRAEFIK_VERSION=v3.6.12
KUBE_ROUTER_VERSION=v2.1.0
LOCAL_PATH_VERSION=v0.0.30
TOOLBOX_IMAGE=stratus.local/rig/toolbox:1
PAUSE_IMAGE=stratus.local/rig/pause:1
COREDNS_IMAGE=stratus.local/rig/coredns:${COREDNS_VERSION#v}
TRAEFIK_IMAGE=stratus.local/rig/traefik:${TRAEFIK_VERSION#v}

HERE=$RIG_ROOT/scripts/rig/cluster
TOOLS=$RIG_CACHE/cluster
STATE=$RIG_STATE/cluster
RUN=$STATE/run
ENV_FILE=$STATE/env
SOCK=$STATE/containerd.sock
ID=$(printf %s "$RIG_STATE" | sha256sum | cut -c1-6)
NETNS=stratus-$ID
HOST_IF=stv$ID
NODE_NAME=rig-node
POD_CIDR=10.42.0.0/16
NODE_POD_CIDR=10.42.0.0/24
SERVICE_CIDR=10.43.0.0/16
DNS_IP=10.43.0.10
INGRESS_NODE_PORT=30080
# The sysctls the kubelet sets at start (pkg/kubelet/cm setupKernelTunables) and the values it wants.
KUBELET_SYSCTLS=(vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1
  kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000)

# ---------------------------------------------------------------------------------------------------- install

# go_tool NAME VERSION BUILD_FUNCTION: builds $TOOLS/NAME-VERSION/NAME once, under a lock.
go_tool() {
  local name=$1 version=$2 fn=$3 dir=$TOOLS/$1-$2 lock
  [[ -x $dir/$name ]] && return 0
  mkdir -p "$TOOLS"
  exec {lock}>"$dir.lock"
  flock "$lock"
  if [[ ! -x $dir/$name ]]; then
    log "building $name $version from its Go module"
    rm -rf "$dir.build"
    mkdir -p "$dir.build"
    (cd "$dir.build" && "$fn" "$version" "$dir.build/$name") >"$dir.build.log" 2>&1 ||
      { exec {lock}>&-; die "building $name $version failed (see $dir.build.log)"; }
    mkdir -p "$dir"
    mv "$dir.build/$name" "$dir/$name"
    rm -rf "$dir.build"
  fi
  exec {lock}>&-
}

build_coredns() {
  cp "$HERE/coredns/main.go" .
  printf 'module stratus.local/rig/coredns\n\ngo 1.26.0\n\nrequire github.com/coredns/coredns %s\n' "$1" >go.mod
  GOFLAGS=-mod=mod go mod tidy
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$1" -o "$2" .
}

# Traefik's go.mod replaces three modules with its forks, which only a main module's go.mod applies: build inside a
# copy of the module. Its web UI assets are not in the module (the dashboard is not served).
build_traefik() {
  local module
  module=$(go mod download -json "github.com/traefik/traefik/v3@$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  cp -r "$module" src
  chmod -R u+w src
  cd src || return 1
  GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$1" -o "$2" ./cmd/traefik
}

build_kube_router() {
  GOBIN=$PWD/bin CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$1"
  mv bin/kube-router "$2"
}

build_local_path() {
  GOBIN=$PWD/bin CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "github.com/rancher/local-path-provisioner@$1"
  mv bin/local-path-provisioner "$2"
}

# The rig's own stdlib-only programs (the pod sandbox's pause, the toolbox's probe).
build_pause() { cp "$HERE/pause/"* . && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$2" .; }
build_probe() { cp "$HERE/probe/"* . && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$2" .; }

# rig_image TAR ARGS...: writes a docker-archive with image.py once (the tar name carries what it is built from).
rig_image() {
  local tar=$1
  shift
  [[ -f $tar ]] || python3 "$HERE/image.py" "$tar" "$@"
}

# The rig's image tars, named after what they are built from: pause, toolbox, coredns, traefik.
image_tars() {
  local dir=$TOOLS/images
  echo "$dir/pause-$(rev_of pause).tar" "$dir/toolbox-$(rev_of probe)-$(busybox_version).tar" \
    "$dir/coredns-$COREDNS_VERSION.tar" "$dir/traefik-$TRAEFIK_VERSION.tar"
}
rev_of() { cat "$HERE/$1/"* "$HERE/image.py" | sha256sum | cut -c1-12; }
busybox_version() { dpkg-query -W -f '${Version}' busybox-static | tr ':+~' '___'; }

images_install() {
  local tars links=() applet
  read -ra tars <<<"$(image_tars)"
  mkdir -p "$TOOLS/images"
  go_tool pause "$(rev_of pause)" build_pause
  go_tool probe "$(rev_of probe)" build_probe
  rig_image "${tars[0]}" "$PAUSE_IMAGE" --entrypoint '["/pause"]' --user 65535 \
    --file "$TOOLS/pause-$(rev_of pause)/pause=/pause"
  if [[ ! -f ${tars[1]} ]]; then
    for applet in $(/bin/busybox --list); do [[ $applet == busybox ]] || links+=(--link "/bin/busybox=/bin/$applet"); done
    rig_image "${tars[1]}" "$TOOLBOX_IMAGE" --cmd '["/bin/sh"]' --dir /tmp \
      --file /bin/busybox=/bin/busybox --file "$TOOLS/probe-$(rev_of probe)/probe=/bin/probe" "${links[@]}"
  fi
  rig_image "${tars[2]}" "$COREDNS_IMAGE" --entrypoint '["/coredns"]' --user 65532 \
    --file "$TOOLS/coredns-$COREDNS_VERSION/coredns=/coredns"
  rig_image "${tars[3]}" "$TRAEFIK_IMAGE" --entrypoint '["/traefik"]' --user 65532 \
    --dir /tmp --file "$TOOLS/traefik-$TRAEFIK_VERSION/traefik=/traefik"
}

install() {
  apt_install containerd runc containernetworking-plugins iptables ipset conntrack socat etcd-server openssl \
    busybox-static util-linux iproute2
  command -v go >/dev/null || die "go is needed to build the cluster's components"
  local pids=() status=0 p
  kubernetes_build kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl &
  pids+=($!)
  go_tool coredns "$COREDNS_VERSION" build_coredns &
  pids+=($!)
  go_tool traefik "$TRAEFIK_VERSION" build_traefik &
  pids+=($!)
  go_tool kube-router "$KUBE_ROUTER_VERSION" build_kube_router &
  pids+=($!)
  go_tool local-path-provisioner "$LOCAL_PATH_VERSION" build_local_path &
  pids+=($!)
  for p in "${pids[@]}"; do wait "$p" || status=1; done
  ((status == 0)) || die "building the cluster's components failed"
  images_install
}

# ---------------------------------------------------------------------------------------------------- helpers

# The node's /30 link to the host: 10.201.N.0/30 with N from this checkout's state path, the next free one if taken.
link_subnet() {
  local n=$((16#${ID:0:2})) i
  for ((i = 0; i < 256; i++)); do
    if ! ip -4 -o addr show | grep -q " 10\.201\.$(((n + i) % 256))\.[0-9]*/30"; then
      echo "10.201.$(((n + i) % 256))"
      return 0
    fi
  done
  die "no free 10.201.N.0/30 link for the cluster's network namespace"
}

# in_ns CMD...: runs CMD in the cluster's network namespace and its own mount namespace (pods' mounts live there).
in_ns() { nsenter --net="/run/netns/$NETNS" --mount="$STATE/ns/mnt" "$@"; }

# daemon NAME CMD...: starts CMD in the namespaces, in a session of its own, logging to $RUN/log/NAME.log. The process
# writes its own pid (setsid may fork), and the start waits for that.
daemon() {
  local name=$1
  shift
  rm -f "$RUN/$name.pid"
  in_ns setsid sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$RUN/$name.pid" "$@" \
    >"$RUN/log/$name.log" 2>&1 </dev/null &
  local deadline=$((SECONDS + 10))
  until [[ -s $RUN/$name.pid ]]; do
    ((SECONDS < deadline)) || die "$name did not start (see $RUN/log/$name.log)"
    sleep 0.05
  done
}

kubectl_() { "$K8S_BIN/kubectl" --kubeconfig "$RUN/pki/admin.kubeconfig" "$@"; }

ctr_() { ctr --address "$SOCK" "$@"; }

# wait_for SECONDS WHAT CMD...: retries CMD until it succeeds; the error names WHAT and where the logs are.
wait_for() {
  local limit=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what: not ready after $limit s (logs in $RUN/log)"
    local f
    for f in "$RUN"/*.pid; do running_pid "$f" || die "$(basename "$f" .pid) exited (see $RUN/log/$(basename "$f" .pid).log)"; done
    sleep 0.5
  done
}

alive() {
  local name
  for name in "$@"; do running_pid "$RUN/$name.pid" || die "$name exited (see $RUN/log/$name.log)"; done
}

certs() {
  local pki=$RUN/pki node_ip=$1
  mkdir -p "$pki"
  (
    cd "$pki" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=stratus-rig-ca -keyout ca.key -out ca.crt 2>/dev/null
    sign() { # NAME SUBJECT EXTENSIONS
      openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
      printf '%b' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    }
    sign apiserver /CN=kube-apiserver "subjectAltName=IP:$node_ip,IP:127.0.0.1,IP:10.43.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n"
    sign admin '/CN=stratus-admin/O=system:masters' 'extendedKeyUsage=clientAuth\n'
    sign kubelet "/CN=system:node:$NODE_NAME/O=system:nodes" 'extendedKeyUsage=clientAuth\n'
    sign kubelet-serving "/CN=$NODE_NAME" "subjectAltName=IP:$node_ip,DNS:$NODE_NAME\nextendedKeyUsage=serverAuth\n"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
    openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext
  )
  local user
  for user in admin kubelet; do
    cat >"$pki/$user.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: rig
    cluster:
      server: https://$node_ip:6443
      certificate-authority: $pki/ca.crt
users:
  - name: $user
    user:
      client-certificate: $pki/$user.crt
      client-key: $pki/$user.key
contexts:
  - name: rig
    context: { cluster: rig, user: $user }
current-context: rig
YAML
  done
}

write_configs() {
  local node_ip=$1
  mkdir -p "$RUN/cni" "$STATE/containerd/root"
  cat >"$RUN/containerd.toml" <<TOML
version = 2
root = "$STATE/containerd/root"
state = "$RUN/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$SOCK"

[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  BinaryName = "/usr/sbin/runc"
  Root = "$RUN/runc"
  SystemdCgroup = false

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "$RUN/cni"
TOML
  cat >"$RUN/cni/10-stratus.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "stratus-$ID",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$NODE_POD_CIDR" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$RUN/cni-ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
  printf 'nameserver 127.0.0.1\n' >"$RUN/resolv.conf"
  cat >"$RUN/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /stratus-$ID
containerRuntimeEndpoint: unix://$SOCK
address: $node_ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $RUN/pki/ca.crt }
authorization: { mode: Webhook }
tlsCertFile: $RUN/pki/kubelet-serving.crt
tlsPrivateKeyFile: $RUN/pki/kubelet-serving.key
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
resolvConf: $RUN/resolv.conf
podLogsDir: $RUN/pod-logs
failSwapOn: false
oomScoreAdj: 0
serializeImagePulls: false
# The disk is shared with other work and the images cannot be pulled again: absolute eviction thresholds instead of
# the defaults' percentages (15 % free of a large shared disk is easily missed), and no image garbage collection.
evictionHard: { memory.available: 100Mi, nodefs.available: 2Gi, imagefs.available: 2Gi, nodefs.inodesFree: 5% }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
YAML
  cat >"$RUN/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $RUN/pki/admin.kubeconfig }
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
YAML
}

# The kubelet's cgroup root in every hierarchy (cgroup v1 here, cgroupfs driver); cpuset needs its cpus and mems.
make_cgroups() {
  local h
  for h in /sys/fs/cgroup/*/; do
    mountpoint -q "$h" || continue
    mkdir -p "$h/stratus-$ID"
    if [[ -f $h/cpuset.cpus ]]; then
      cat "$h/cpuset.cpus" >"$h/stratus-$ID/cpuset.cpus"
      cat "$h/cpuset.mems" >"$h/stratus-$ID/cpuset.mems"
    fi
  done
}

# The network namespace, its /30 link to the host (the node's address) and a mount namespace of its own, in which the
# sysctls the kubelet would set are masked by files that already hold its values.
make_namespaces() {
  local subnet=$1
  ip netns add "$NETNS"
  ip link add "$HOST_IF" type veth peer name eth0 netns "$NETNS"
  ip addr add "$subnet.1/30" dev "$HOST_IF"
  ip link set "$HOST_IF" up
  ip -n "$NETNS" link set lo up
  ip -n "$NETNS" addr add "$subnet.2/30" dev eth0
  ip -n "$NETNS" link set eth0 up
  ip -n "$NETNS" route add "$SERVICE_CIDR" dev eth0
  mkdir -p "$STATE/ns" "$RUN/sysctl"
  mount --bind "$STATE/ns" "$STATE/ns"
  mount --make-private "$STATE/ns"
  touch "$STATE/ns/mnt"
  unshare --mount="$STATE/ns/mnt" --propagation slave true
  local s key value masks=()
  for s in "${KUBELET_SYSCTLS[@]}"; do
    key=${s%=*} value=${s#*=}
    printf '%s\n' "$value" >"$RUN/sysctl/${key//\//.}"
    masks+=("mount --bind $RUN/sysctl/${key//\//.} /proc/sys/$key")
  done
  in_ns sh -ec "$(printf '%s\n' "${masks[@]}")"
  in_ns sysctl -q -w net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
  # Pods may talk to the node, never through it to the host's side of the link.
  in_ns iptables -I FORWARD -s "$POD_CIDR" -d "$subnet.0/30" -j REJECT
}

# ------------------------------------------------------------------------------------------------ system pods

system_manifests() {
  cat <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
---
apiVersion: v1
kind: ConfigMap
metadata: { name: local-path-config, namespace: kube-system }
data:
  config.json: |-
    {"nodePathMap": [{"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": ["$RUN/storage"]}]}
  setup: |-
    #!/bin/sh
    set -eu
    mkdir -m 0777 -p "\$VOL_DIR"
  teardown: |-
    #!/bin/sh
    set -eu
    rm -rf "\$VOL_DIR"
  helperPod.yaml: |-
    apiVersion: v1
    kind: Pod
    metadata: { name: helper-pod }
    spec:
      priorityClassName: system-node-critical
      tolerations: [{ key: node.kubernetes.io/disk-pressure, operator: Exists, effect: NoSchedule }]
      containers:
        - name: helper-pod
          image: $TOOLBOX_IMAGE
          imagePullPolicy: IfNotPresent
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: local-path-provisioner-service-account, namespace: kube-system }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: coredns, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: system:coredns }
rules:
  - { apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch] }
  - { apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: system:coredns }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:coredns }
subjects: [{ kind: ServiceAccount, name: coredns, namespace: kube-system }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: coredns, namespace: kube-system }
data:
  Corefile: |
    .:53 {
        errors
        health {
          lameduck 5s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
          pods insecure
          fallthrough in-addr.arpa ip6.arpa
          ttl 30
        }
        prometheus :9153
        cache 30
        reload
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: { k8s-app: kube-dns, kubernetes.io/name: CoreDNS }
spec:
  replicas: 1
  selector: { matchLabels: { k8s-app: kube-dns } }
  template:
    metadata: { labels: { k8s-app: kube-dns } }
    spec:
      priorityClassName: system-cluster-critical
      serviceAccountName: coredns
      dnsPolicy: Default
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        sysctls: [{ name: net.ipv4.ip_unprivileged_port_start, value: "0" }]
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: coredns
          image: $COREDNS_IMAGE
          imagePullPolicy: IfNotPresent
          args: [-conf, /etc/coredns/Corefile]
          resources: { requests: { cpu: 50m, memory: 70Mi }, limits: { memory: 170Mi } }
          ports:
            - { name: dns, containerPort: 53, protocol: UDP }
            - { name: dns-tcp, containerPort: 53, protocol: TCP }
            - { name: metrics, containerPort: 9153, protocol: TCP }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          readinessProbe: { httpGet: { path: /ready, port: 8181 }, periodSeconds: 2 }
          livenessProbe: { httpGet: { path: /health, port: 8080 }, periodSeconds: 10 }
          volumeMounts: [{ name: config, mountPath: /etc/coredns, readOnly: true }]
      volumes: [{ name: config, configMap: { name: coredns } }]
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: { k8s-app: kube-dns, kubernetes.io/name: CoreDNS }
spec:
  selector: { k8s-app: kube-dns }
  clusterIP: $DNS_IP
  ports:
    - { name: dns, port: 53, protocol: UDP }
    - { name: dns-tcp, port: 53, protocol: TCP }
    - { name: metrics, port: 9153, protocol: TCP }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: traefik, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: traefik-kube-system }
rules:
  - { apiGroups: [""], resources: [services, endpoints, secrets, nodes], verbs: [get, list, watch] }
  - { apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch] }
  - { apiGroups: [extensions, networking.k8s.io], resources: [ingresses, ingressclasses], verbs: [get, list, watch] }
  - { apiGroups: [extensions, networking.k8s.io], resources: [ingresses/status], verbs: [update] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: traefik-kube-system }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: traefik-kube-system }
subjects: [{ kind: ServiceAccount, name: traefik, namespace: kube-system }]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: traefik
  annotations: { ingressclass.kubernetes.io/is-default-class: "true" }
spec:
  controller: traefik.io/ingress-controller
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: traefik
  namespace: kube-system
  labels: { app.kubernetes.io/name: traefik, app.kubernetes.io/instance: traefik-kube-system }
spec:
  replicas: 1
  selector: { matchLabels: { app.kubernetes.io/name: traefik, app.kubernetes.io/instance: traefik-kube-system } }
  template:
    metadata: { labels: { app.kubernetes.io/name: traefik, app.kubernetes.io/instance: traefik-kube-system } }
    spec:
      priorityClassName: system-cluster-critical
      serviceAccountName: traefik
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: traefik
          image: $TRAEFIK_IMAGE
          imagePullPolicy: IfNotPresent
          args:
            - --global.checknewversion=false
            - --global.sendanonymoususage=false
            - --entryPoints.web.address=:8000/tcp
            - --entryPoints.traefik.address=:8080/tcp
            - --entryPoints.metrics.address=:9100/tcp
            - --ping=true
            - --ping.entryPoint=traefik
            - --metrics.prometheus=true
            - --metrics.prometheus.entryPoint=metrics
            - --providers.kubernetesingress=true
            - --providers.kubernetesingress.ingressendpoint.publishedservice=kube-system/traefik
          resources: { requests: { cpu: 50m, memory: 64Mi }, limits: { memory: 256Mi } }
          ports:
            - { name: web, containerPort: 8000, protocol: TCP }
            - { name: traefik, containerPort: 8080, protocol: TCP }
            - { name: metrics, containerPort: 9100, protocol: TCP }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          readinessProbe: { httpGet: { path: /ping, port: 8080 }, periodSeconds: 2 }
          livenessProbe: { httpGet: { path: /ping, port: 8080 }, periodSeconds: 10 }
          volumeMounts: [{ name: tmp, mountPath: /tmp }]
      volumes: [{ name: tmp, emptyDir: {} }]
---
apiVersion: v1
kind: Service
metadata:
  name: traefik
  namespace: kube-system
  labels: { app.kubernetes.io/name: traefik, app.kubernetes.io/instance: traefik-kube-system }
spec:
  type: NodePort
  selector: { app.kubernetes.io/name: traefik, app.kubernetes.io/instance: traefik-kube-system }
  ports:
    - { name: web, port: 80, targetPort: web, nodePort: $INGRESS_NODE_PORT, protocol: TCP }
YAML
}

# dns_answers IP NAME: an A query for NAME to IP:53 gets an answer (run in the namespace).
dns_answers() {
  in_ns python3 - "$@" <<'PY'
import socket, struct, sys
server, name = sys.argv[1], sys.argv[2]
q = struct.pack('>HHHHHH', 0x5a5a, 0x0100, 1, 0, 0, 0)
q += b''.join(bytes([len(p)]) + p.encode() for p in name.split('.')) + b'\0' + struct.pack('>HH', 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(q, (server, 53))
r = s.recv(512)
sys.exit(0 if r[:2] == q[:2] and (r[3] & 0x0f) == 0 and struct.unpack('>H', r[6:8])[0] > 0 else 1)
PY
}

traefik_serves() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/stratus-rig-probe") || return 1
  [[ $code == 404 ]]
}

# ------------------------------------------------------------------------------------------------ load images

# stamped_present STAMP: STAMP exists and every image name in it is in containerd (the kubelet's image garbage
# collection, or anyone's `ctr images rm`, may have removed one since).
stamped_present() {
  [[ -f $1 ]] || return 1
  local present name
  present=$(ctr_ -n k8s.io images ls -q)
  while read -r name; do grep -qxF "$name" <<<"$present" || return 1; done <"$1"
}

# Imports each rig image tar into the kept image store unless it is there already (a stamp per tar).
load_rig_images() {
  local tars names stamps=$STATE/containerd/loaded i
  read -ra tars <<<"$(image_tars)"
  names=("$PAUSE_IMAGE" "$TOOLBOX_IMAGE" "$COREDNS_IMAGE" "$TRAEFIK_IMAGE")
  mkdir -p "$stamps"
  for i in "${!tars[@]}"; do
    stamped_present "$stamps/$(basename "${tars[i]}")" && continue
    ctr_ -n k8s.io images import "${tars[i]}" >/dev/null || die "importing ${tars[i]} into containerd failed"
    printf '%s\n' "${names[i]}" >"$stamps/$(basename "${tars[i]}")"
  done
}

# The app images and base-image stand-ins, from scripts/rig/images.sh when this checkout has it: `install` (a few
# seconds when nothing changed), then `load` only when its list of tars changed since the last import into the kept
# image store, since importing them all again takes a minute or more.
load_app_images() {
  local script=$RIG_ROOT/scripts/rig/images.sh list=$RIG_STATE/images.list key names stamps=$STATE/containerd/loaded
  [[ -f $script ]] || { log "no scripts/rig/images.sh: only the rig's own images are loaded"; return 0; }
  names=$(bash "$script" start | sed -n 's/^IMAGES=//p') || die "scripts/rig/images.sh start failed"
  key=app-$( (cat "$list" && cut -d' ' -f2 "$list" | xargs -r stat -c '%n %s %Y') | sha256sum | cut -c1-16)
  stamped_present "$stamps/$key" && return 0
  log "loading the app images (scripts/rig/images.sh load)"
  bash "$script" load "$SOCK" >&2 || die "scripts/rig/images.sh load failed"
  rm -f "$stamps"/app-*
  tr ' ' '\n' <<<"$names" | grep . >"$stamps/$key" || true
}

# ---------------------------------------------------------------------------------------------------- start

print_env() { cat "$ENV_FILE"; }

running() { [[ -f $ENV_FILE ]] && running_pid "$RUN/kubelet.pid" && running_pid "$RUN/kube-apiserver.pid"; }

start() {
  if running; then
    print_env
    return 0
  fi
  stop >/dev/null 2>&1 || true
  install
  local t0=$SECONDS subnet node_ip port
  subnet=$(link_subnet)
  node_ip=$subnet.2
  rm -rf "$RUN"
  mkdir -p "$RUN/log" "$RUN/storage" "$RUN/pod-logs"
  certs "$node_ip"
  write_configs "$node_ip"
  make_namespaces "$subnet"
  make_cgroups
  printf 'NODE_IP=%s\nHOST_IP=%s.1\n' "$node_ip" "$subnet" >"$RUN/net"

  log "starting etcd, kube-apiserver, containerd in netns $NETNS (node $node_ip)"
  daemon etcd env ETCD_UNSUPPORTED_ARCH= etcd --name rig --data-dir "$RUN/etcd" --log-level warn \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster rig=http://127.0.0.1:2380 --listen-metrics-urls ''
  daemon containerd containerd --config "$RUN/containerd.toml"
  local pki=$RUN/pki
  daemon kube-apiserver "$K8S_BIN/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
    --bind-address 0.0.0.0 --advertise-address "$node_ip" --secure-port 6443 \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
    --kubelet-client-certificate "$pki/admin.crt" --kubelet-client-key "$pki/admin.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction --allow-privileged=true --profiling=false
  wait_for 120 kube-apiserver kubectl_ get --raw /readyz
  alive etcd kube-apiserver containerd

  daemon kube-controller-manager "$K8S_BIN/kube-controller-manager" --kubeconfig "$pki/admin.kubeconfig" \
    --authentication-kubeconfig "$pki/admin.kubeconfig" --authorization-kubeconfig "$pki/admin.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
    --allocate-node-cidrs --cluster-cidr "$POD_CIDR" --node-cidr-mask-size 24 --service-cluster-ip-range "$SERVICE_CIDR" \
    --root-ca-file "$pki/ca.crt" --service-account-private-key-file "$pki/sa.key" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" --profiling=false
  daemon kube-scheduler "$K8S_BIN/kube-scheduler" --kubeconfig "$pki/admin.kubeconfig" \
    --authentication-kubeconfig "$pki/admin.kubeconfig" --authorization-kubeconfig "$pki/admin.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --profiling=false

  wait_for 30 containerd test -S "$SOCK"
  # Containers a killed run left in containerd's store would be adopted by no one.
  local stale=()
  mapfile -t stale < <(remove_containers)
  remove_task_leftovers "${stale[@]}"
  load_rig_images

  log "starting kubelet, kube-proxy, local-path provisioner"
  daemon kubelet "$K8S_BIN/kubelet" --config "$RUN/kubelet.yaml" --kubeconfig "$pki/kubelet.kubeconfig" \
    --root-dir "$RUN/kubelet" --hostname-override "$NODE_NAME" --node-ip "$node_ip"
  daemon kube-proxy "$K8S_BIN/kube-proxy" --config "$RUN/kube-proxy.yaml"
  system_manifests | kubectl_ apply -f - >"$RUN/log/system-manifests.log"
  daemon local-path-provisioner "$TOOLS/local-path-provisioner-$LOCAL_PATH_VERSION/local-path-provisioner" \
    start --kubeconfig "$pki/admin.kubeconfig" --namespace kube-system --configmap-name local-path-config \
    --service-account-name local-path-provisioner-service-account --helper-image "$TOOLBOX_IMAGE" \
    --provisioner-name rancher.io/local-path

  port=$(free_port)
  socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "TCP:$node_ip:$INGRESS_NODE_PORT" >"$RUN/log/socat.log" 2>&1 </dev/null &
  echo $! >"$RUN/socat.pid"

  wait_for 120 "node $NODE_NAME Ready" kubectl_ wait --for=condition=Ready "node/$NODE_NAME" --timeout 2s
  log "node Ready after $((SECONDS - t0)) s"
  # kube-router finds its node at start, so it comes once the node is registered.
  daemon kube-router "$TOOLS/kube-router-$KUBE_ROUTER_VERSION/kube-router" --kubeconfig "$pki/admin.kubeconfig" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --hostname-override "$NODE_NAME" --service-cluster-ip-range "$SERVICE_CIDR" --health-port 20244 --metrics-port 0
  alive kubelet kube-proxy kube-router local-path-provisioner kube-controller-manager kube-scheduler
  wait_for 120 "CoreDNS answering on $DNS_IP" dns_answers "$DNS_IP" kubernetes.default.svc.cluster.local
  wait_for 120 "Traefik serving on 127.0.0.1:$port" traefik_serves "$port"
  log "cluster ready after $((SECONDS - t0)) s"

  load_app_images
  cat >"$ENV_FILE" <<ENV
KUBECONFIG=$pki/admin.kubeconfig
KUBECTL=$K8S_BIN/kubectl
INGRESS_URL=http://127.0.0.1:$port
CONTAINERD_ADDRESS=$SOCK
CLUSTER_NETNS=$NETNS
CLUSTER_NODE_IP=$node_ip
CLUSTER_STORAGE=$RUN/storage
KUBERNETES_VERSION=$K8S_VERSION
ENV
  print_env
}

# ---------------------------------------------------------------------------------------------------- stop

# running_pid FILE: the pid in FILE is a process that has not exited (PID 1 here may be slow to reap zombies).
running_pid() { pid_alive "$1" && ! grep -q '^State:.*Z' "/proc/$(cat "$1")/status" 2>/dev/null; }

stop_pid() { # NAME [SECONDS]: SIGTERM, then SIGKILL after SECONDS
  local f=$RUN/$1.pid deadline=$((SECONDS + ${2:-10}))
  if running_pid "$f"; then
    kill "$(cat "$f")" 2>/dev/null || true
    while running_pid "$f" && ((SECONDS < deadline)); do sleep 0.1; done
    if running_pid "$f"; then kill -9 "$(cat "$f")" 2>/dev/null || true; fi
    while running_pid "$f"; do sleep 0.1; done
  fi
  rm -f "$f"
}

# Pids of every process in the cluster's mount or network namespace or naming its state directory (the daemons,
# containerd's shims, anything exec'd there), but this script.
ns_pids() {
  local mnt net
  mnt=$(stat -L -c %i "$STATE/ns/mnt" 2>/dev/null) || mnt=0
  net=$(stat -L -c %i "/run/netns/$NETNS" 2>/dev/null) || net=0
  python3 - "$mnt" "$net" "$STATE/" "$$" <<'PY'
import os, sys
mnt, net, state, me = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode(), int(sys.argv[4])
for p in os.listdir('/proc'):
    if not p.isdigit() or int(p) in (me, os.getpid()):
        continue
    try:
        if open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[0] == 'Z':
            continue
        ours = os.stat(f'/proc/{p}/ns/mnt').st_ino == mnt or os.stat(f'/proc/{p}/ns/net').st_ino == net
        if ours or state in open(f'/proc/{p}/cmdline', 'rb').read():
            print(p)
    except OSError:
        pass
PY
}

# Pids of every process in the kubelet's cgroups: the containers, which have namespaces of their own.
cgroup_pids() {
  local p
  for p in $(find /sys/fs/cgroup/*/stratus-"$ID" -name tasks -exec cat {} + 2>/dev/null | sort -u); do
    grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null || echo "$p"
  done
}

# kill_all LISTER: SIGKILL what LISTER prints until it prints nothing (10 s at most).
kill_all() {
  local pids deadline=$((SECONDS + 10))
  while pids=$($1) && [[ -n $pids ]]; do
    ((SECONDS < deadline)) || { log "still running after SIGKILL: $pids"; return 1; }
    # shellcheck disable=SC2086 # one pid per word
    kill -9 $pids 2>/dev/null || true
    sleep 0.2
  done
}

remove_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/"stratus-$ID"; do
    [[ -d $d ]] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [[ -d $d ]] && log "cgroup $d is still there"
  done
  return 0
}

# A task killed rather than deleted leaves its shim's socket in /run/containerd/s (named sha256(address/namespace/id));
# a sandbox removed without the CRI's teardown leaves libcni's cached results in /var/lib/cni/results.
remove_task_leftovers() {
  local dir id
  for dir in "$RUN"/containerd/io.containerd.runtime.v2.task/*/*; do
    [[ -d $dir ]] || continue
    rm -f "/run/containerd/s/$(printf %s "$SOCK/$(basename "$(dirname "$dir")")/$(basename "$dir")" | sha256sum | cut -d' ' -f1)"
  done
  for id in "$@"; do rm -f "/var/lib/cni/results/cni-loopback-$id-lo" "/var/lib/cni/results/stratus-$ID-$id-eth0"; done
}

# remove_containers: every container in containerd's k8s.io namespace, killed and deleted; prints their ids.
remove_containers() {
  local c
  for c in $(ctr_ -n k8s.io containers ls -q 2>/dev/null); do
    ctr_ -n k8s.io tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true
    ctr_ -n k8s.io tasks delete -f "$c" >/dev/null 2>&1 || true
    ctr_ -n k8s.io containers delete "$c" >/dev/null 2>&1 || true
    echo "$c"
  done
}

stop() {
  local name ids=()
  stop_pid socat 1
  for name in local-path-provisioner kube-router kube-proxy kubelet; do stop_pid "$name" 3; done
  kill_all cgroup_pids || true
  if [[ -S $SOCK ]] && running_pid "$RUN/containerd.pid"; then mapfile -t ids < <(remove_containers); fi
  for name in kube-scheduler kube-controller-manager kube-apiserver containerd etcd; do stop_pid "$name" 3; done
  kill_all ns_pids || true
  remove_task_leftovers "${ids[@]}"
  if [[ -e $STATE/ns/mnt ]]; then umount "$STATE/ns/mnt" 2>/dev/null || umount -l "$STATE/ns/mnt" 2>/dev/null || true; fi
  if mountpoint -q "$STATE/ns" 2>/dev/null; then umount "$STATE/ns"; fi
  ip netns del "$NETNS" 2>/dev/null || true
  ip link del "$HOST_IF" 2>/dev/null || true
  rm -f "$SOCK" "$SOCK.ttrpc"
  remove_cgroups
  rm -f "$ENV_FILE"
}

status() {
  if running; then
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
  env) [[ -f $ENV_FILE ]] && print_env ;;
  exec)
    shift
    exec nsenter --net="/run/netns/$NETNS" --mount="$STATE/ns/mnt" "$@"
    ;;
  kubectl)
    shift
    exec "$K8S_BIN/kubectl" --kubeconfig "$RUN/pki/admin.kubeconfig" "$@"
    ;;
  ctr)
    shift
    exec ctr --address "$SOCK" -n k8s.io "$@"
    ;;
  *) die "usage: $0 install|start|stop|status|env|exec CMD...|kubectl ARGS...|ctr ARGS..." ;;
esac
