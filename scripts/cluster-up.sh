#!/usr/bin/env bash
# `pnpm cluster:up`: the local one-node Kubernetes with the platform on it, as a user deploys it (docs/kubernetes.md):
# the cluster rig (scripts/rig/cluster.sh, which also builds and loads the images through scripts/rig/images.sh),
# the namespaces, the three Secrets, then everything: the synthesizer's stream for this environment's STRATUS_*
# overrides (a small cluster's sizes, say), the same code that writes dist/k8s, with the upstream images referenced
# by tag, since the rig runs stand-ins that cannot have their digests (docs/images.md). Prints INGRESS_URL= and KUBECONFIG= (and the rest of the cluster's env). `pnpm cluster:down` ends it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
env_lines=$(bash scripts/rig/cluster.sh start)
eval "$(grep -E '^(KUBECONFIG|KUBECTL)=' <<<"$env_lines" | sed 's/^/export /')"
manifests=$(mktemp -d)
trap 'rm -rf "$manifests"' EXIT
export STRATUS_IMAGES__PIN_DIGESTS=false
echo "[cluster-up] synthesizing for this environment's STRATUS_* overrides" >&2
pnpm --silent exec tsx packages/k8s/src/main.ts --stdout >"$manifests/all.yaml"
python3 - "$manifests/all.yaml" "$manifests/00-namespaces.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split('\n---\n')
open(sys.argv[2], 'w').write('\n---\n'.join(d for d in docs if '\nkind: Namespace\n' in '\n' + d + '\n'))
PY
"$KUBECTL" apply -f "$manifests/00-namespaces.yaml" >&2
secret() { # NAMESPACE NAME KEY=VALUE...: created once, with those literals
  local namespace=$1 name=$2
  shift 2
  "$KUBECTL" -n "$namespace" get secret "$name" >/dev/null 2>&1 ||
    "$KUBECTL" -n "$namespace" create secret generic "$name" "${@/#/--from-literal=}" >&2
}
read -r todo_ns db_secret monitoring_ns grafana_secret lake_ns lake_secret < <(pnpm --silent exec tsx -e "import('@stratus/config').then((m) => {
  const c = m.loadConfig();
  console.log(c.todo.namespace, c.todo.database.secret, c.monitoring.namespace, c.monitoring.grafanaSecret, c.lake.namespace, c.lake.storage.secret);
})")
secret "$todo_ns" "$db_secret" password="$(openssl rand -base64 24)"
secret "$monitoring_ns" "$grafana_secret" password="$(openssl rand -base64 24)"
secret "$lake_ns" "$lake_secret" AWS_ACCESS_KEY_ID="AKIA$(openssl rand -hex 8 | tr a-f A-F)" AWS_SECRET_ACCESS_KEY="$(openssl rand -base64 30)"
"$KUBECTL" apply -f "$manifests/all.yaml" >&2
echo "[cluster-up] applied; watch with: $KUBECTL --kubeconfig $KUBECONFIG get pods -A" >&2
grep -E '^(INGRESS_URL|KUBECONFIG)=' <<<"$env_lines"
grep -vE '^(INGRESS_URL|KUBECONFIG)=' <<<"$env_lines"
