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
secret() { # NAMESPACE NAME: a random `password`, created once
  "$KUBECTL" -n "$1" get secret "$2" >/dev/null 2>&1 ||
    "$KUBECTL" -n "$1" create secret generic "$2" --from-literal=password="$(openssl rand -base64 24)" >&2
}
secret todo "$(pnpm --silent exec tsx -e "import('@stratus/config').then((m) => console.log(m.loadConfig().todo.database.secret))")"
secret monitoring "$(pnpm --silent exec tsx -e "import('@stratus/config').then((m) => console.log(m.loadConfig().monitoring.grafanaSecret))")"
lake=$(pnpm --silent exec tsx -e "import('@stratus/config').then((m) => { const l = m.loadConfig().lake; console.log(l.namespace, l.storage.secret); })")
read -r lake_namespace lake_secret <<<"$lake"
"$KUBECTL" -n "$lake_namespace" get secret "$lake_secret" >/dev/null 2>&1 ||
  "$KUBECTL" -n "$lake_namespace" create secret generic "$lake_secret" \
    --from-literal=AWS_ACCESS_KEY_ID="AKIA$(openssl rand -hex 8 | tr a-f A-F)" \
    --from-literal=AWS_SECRET_ACCESS_KEY="$(openssl rand -base64 30)" >&2
"$KUBECTL" apply -f "$manifests/all.yaml" >&2
echo "[cluster-up] applied; watch with: $KUBECTL --kubeconfig $KUBECONFIG get pods -A" >&2
grep -E '^(INGRESS_URL|KUBECONFIG)=' <<<"$env_lines"
grep -vE '^(INGRESS_URL|KUBECONFIG)=' <<<"$env_lines"
