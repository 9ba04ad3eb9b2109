#!/usr/bin/env bash
# Boot of a k3s agent: joins the server's kept address with the agent token from the instance metadata. Agents hold no
# state; `--with-node-id` gives every replacement a new node name, so k3s never rejects it as a reused hostname. With the
# OpenStack cloud controller manager, the kubelet names its Nova instance, so that the controller manager deletes the
# Node of a deleted agent and Cinder moves its pods' volumes.
# Usage: k3s-agent.sh K3S_VERSION CLOUD_PROVIDER (openstack | none)
# shellcheck source=common.sh
source /usr/local/lib/stratus/common.sh
version=$1
cloud_provider=$2

token=$(meta k3s_agent_token)
url=$(meta k3s_url)
[[ -n $token && -n $url ]] || die "k3s_agent_token or k3s_url is missing from the instance metadata"

exec_args=(agent --with-node-id)
if [[ $cloud_provider == openstack ]]; then
  instance=$(metadata_field uuid)
  [[ -n $instance ]] || die "the instance metadata has no uuid"
  exec_args+=(--kubelet-arg=cloud-provider=external "--kubelet-arg=provider-id=openstack:///$instance")
fi

curl -sfL --retry 10 --retry-all-errors -o /tmp/k3s-install.sh https://get.k3s.io
INSTALL_K3S_VERSION=$version INSTALL_K3S_EXEC="${exec_args[*]}" K3S_URL=$url K3S_TOKEN=$token sh /tmp/k3s-install.sh
log "k3s $version agent joined $url"
