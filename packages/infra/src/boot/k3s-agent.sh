#!/usr/bin/env bash
# Boot of a k3s agent: joins the server's private address with the token from the instance metadata. Agents hold no
# state; `--with-node-id` gives every replacement a new node name, so k3s never rejects it as a reused hostname.
# Usage: k3s-agent.sh K3S_VERSION
# shellcheck source=common.sh
source /usr/local/lib/stratus/common.sh
version=$1

token=$(meta k3s_token)
url=$(meta k3s_url)
[[ -n $token && -n $url ]] || die "k3s_token or k3s_url is missing from the instance metadata"

curl -sfL --retry 10 --retry-all-errors -o /tmp/k3s-install.sh https://get.k3s.io
INSTALL_K3S_VERSION=$version INSTALL_K3S_EXEC="agent --with-node-id" K3S_URL=$url K3S_TOKEN=$token sh /tmp/k3s-install.sh
log "k3s $version agent joined $url"
