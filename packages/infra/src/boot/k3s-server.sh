#!/usr/bin/env bash
# Boot of the k3s server: its state lives on the data volume and its address on a kept Neutron port, so a replacement
# server resumes the same cluster at the same address, and the agents reconnect without being touched.
# Usage: k3s-server.sh K3S_VERSION CLOUD_PROVIDER (openstack | none)
# shellcheck source=common.sh
source /usr/local/lib/stratus/common.sh
version=$1
cloud_provider=$2
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
token=$(meta k3s_token)
agent_token=$(meta k3s_agent_token)
[[ -n $token && -n $agent_token ]] || die "k3s_token or k3s_agent_token is missing from the instance metadata"

# Agents join with the agent token, which cannot join a server or read the server token.
install -d -m 0755 /etc/rancher/k3s
(
  umask 077
  {
    echo "node-ip: $node_ip"
    echo "advertise-address: $node_ip"
    echo 'tls-san:'
    echo "  - $node_ip"
    [[ -n $floating_ip ]] && echo "  - $floating_ip"
    echo 'write-kubeconfig-mode: "0600"'
    echo "agent-token: $agent_token"
    if [[ $cloud_provider == openstack ]]; then
      # The OpenStack cloud controller manager and Cinder CSI (in the platform's manifests) take over from k3s.
      echo 'disable-cloud-controller: true'
      echo 'disable:'
      echo '  - local-storage'
      echo 'kubelet-arg:'
      echo '  - cloud-provider=external'
    fi
  } >/etc/rancher/k3s/config.yaml
)

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

# The kept port keeps the address; should it change all the same (a port made anew), etcd's single member must take
# the new address before the first start.
previous_ip=$(cat "$state/stratus-node-ip" 2>/dev/null || true)
if [[ -d $state/server/db/etcd && -n $previous_ip && $previous_ip != "$node_ip" ]]; then
  log "node address changed from $previous_ip to $node_ip: resetting the etcd membership"
  K3S_TOKEN=$token k3s server --cluster-reset
fi
echo "$node_ip" >"$state/stratus-node-ip"

systemctl start k3s.service
log "k3s $version server started on $node_ip"
