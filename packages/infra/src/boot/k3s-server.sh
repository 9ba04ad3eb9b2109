#!/usr/bin/env bash
# Boot of the k3s server: its state lives on the data volume, so a replacement server resumes the same cluster.
# Usage: k3s-server.sh K3S_VERSION
# shellcheck source=common.sh
source /usr/local/lib/stratus/common.sh
version=$1
state=/var/lib/rancher/k3s

mount_volume "$(meta data_volume_id)" "$state"

# The node password (/etc/rancher/node) is kept with the state, so the replacement registers as the same node.
install -d -m 0700 "$state/node-identity"
mkdir -p /etc/rancher
if [[ ! -L /etc/rancher/node ]]; then
  rm -rf /etc/rancher/node
  ln -s "$state/node-identity" /etc/rancher/node
fi

node_ip=$(ip -4 route get 1.1.1.1 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "src") print $(i + 1)}' || true)
[[ -n $node_ip ]] || node_ip=$(hostname -I | awk '{print $1}')
[[ -n $node_ip ]] || die "cannot tell this node's private address"
floating_ip=$(meta floating_ip)
install -d -m 0755 /etc/rancher/k3s
{
  echo "node-ip: $node_ip"
  echo "advertise-address: $node_ip"
  echo 'tls-san:'
  echo "  - $node_ip"
  [[ -n $floating_ip ]] && echo "  - $floating_ip"
  echo 'write-kubeconfig-mode: "0600"'
} >/etc/rancher/k3s/config.yaml

token=$(meta k3s_token)
[[ -n $token ]] || die "k3s_token is missing from the instance metadata"

exec_args=server
if [[ ! -d $state/server/db/etcd ]]; then
  log "no cluster state on the volume: creating the cluster (--cluster-init)"
  exec_args="server --cluster-init"
fi

if [[ -d /opt/stratus/manifests ]]; then
  install -d -m 0700 "$state/server/manifests"
  cp /opt/stratus/manifests/*.yaml "$state/server/manifests/"
  log "placed $(find /opt/stratus/manifests -name '*.yaml' | wc -l) manifests in the auto-deploy directory"
fi

curl -sfL --retry 10 --retry-all-errors -o /tmp/k3s-install.sh https://get.k3s.io
INSTALL_K3S_VERSION=$version INSTALL_K3S_EXEC=$exec_args INSTALL_K3S_SKIP_START=true K3S_TOKEN=$token sh /tmp/k3s-install.sh

# A replacement server has a new address: reset the etcd membership to this node before the first start.
previous_ip=$(cat "$state/stratus-node-ip" 2>/dev/null || true)
if [[ -d $state/server/db/etcd && -n $previous_ip && $previous_ip != "$node_ip" ]]; then
  log "node address changed from $previous_ip to $node_ip: resetting the etcd membership"
  K3S_TOKEN=$token k3s server --cluster-reset
fi
echo "$node_ip" >"$state/stratus-node-ip"

systemctl start k3s.service
log "k3s $version server started on $node_ip"
