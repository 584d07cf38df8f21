#!/usr/bin/env bash
# make run-local-processes: a quick development loop without a node: a local
# control plane (real etcd + kube-apiserver) with the operator's manager,
# webhook and one node daemon running as local processes against it. Ctrl-C
# (or `make run-local-processes-down`) stops everything. `make run-local` is
# the real single-node cluster with the operator as pods.
#
# State lives in .local/processes/: kubeconfig, logs, pids, webhook
# certificates, and the simulated node's kubelet root at
# .local/processes/nodes/<node>/kubelet.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
K8S_VERSION="${K8S_VERSION:-v1.35.4}"
STATE="$ROOT/.local/processes"
PIDFILE="$STATE/run-local.pid"
NODE_NAME="${NODE_NAME:-$(hostname)}"
KUBECTL="$ROOT/bin/k8s/$K8S_VERSION/kubectl"
OPERATOR_NS=security-profiles-operator

log() { printf '[run-local-processes] %s\n' "$*" >&2; }

down() {
	if [ ! -f "$PIDFILE" ]; then
		log "nothing is running"
		return 0
	fi
	local pid
	pid="$(cat "$PIDFILE")"
	if kill -0 "$pid" 2>/dev/null; then
		log "stopping run-local (pid $pid)"
		kill -TERM "$pid"
		for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
	fi
	rm -f "$PIDFILE"
}

if [ "${1:-}" = down ]; then
	down
	exit 0
fi

if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
	log "already running (pid $(cat "$PIDFILE")); stop it with: make run-local-processes-down"
	exit 1
fi

start=$SECONDS
mkdir -p "$STATE/logs" "$STATE/nodes/$NODE_NAME/kubelet" "$STATE/webhook-certs"
rm -f "$STATE/ready"
echo $$ >"$PIDFILE"
pids=()

cleanup() {
	trap - EXIT INT TERM
	log "stopping"
	# Operator processes first, then the control plane they talk to.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null || true
		for _ in $(seq 1 40); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.25; done
		kill -KILL "${pids[i]}" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -f "$PIDFILE" "$STATE/ready"
	log "stopped"
}
trap cleanup EXIT
# Ctrl-C and run-local-down are the normal way to stop: exit cleanly.
trap 'exit 0' INT TERM

log "starting control plane"
"$ROOT/bin/local-control-plane" --write-kubeconfig "$STATE/kubeconfig" --node-name "$NODE_NAME" \
	--ready-file "$STATE/ready" --namespace "$OPERATOR_NS" --namespace my-namespace \
	--namespace nginx-deploy >"$STATE/logs/control-plane.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 180); do
	[ -f "$STATE/ready" ] && break
	kill -0 "${pids[0]}" 2>/dev/null || { cat "$STATE/logs/control-plane.log" >&2; exit 1; }
	sleep 0.5
done
[ -f "$STATE/ready" ] || { log "control plane did not become ready"; exit 1; }

export KUBECONFIG="$STATE/kubeconfig"
export KUBELET_DIR="$STATE/nodes/$NODE_NAME/kubelet"
export OPERATOR_NAMESPACE="$OPERATOR_NS"

log "starting manager, webhook and node daemon"
# The API server calls the webhook process by URL (no Service can reach
# it); the manager puts that URL into the webhook configuration and names
# its host in the serving certificate it issues.
WEBHOOK_URL=https://localhost:19443 "$ROOT/bin/manager" --leader-elect=false --metrics-bind-address 127.0.0.1:18443 \
	--health-probe-bind-address 127.0.0.1:18081 >"$STATE/logs/manager.log" 2>&1 &
pids+=($!)
# The webhook serves the certificate the manager issued, trusted through
# the caBundle the manager set.
for _ in $(seq 1 60); do
	"$KUBECTL" -n "$OPERATOR_NS" get secret webhook-server-cert >/dev/null 2>&1 && break
	sleep 0.5
done
for key in tls.crt tls.key; do
	"$KUBECTL" -n "$OPERATOR_NS" get secret webhook-server-cert -o "jsonpath={.data.${key//./\\.}}" |
		base64 -d >"$STATE/webhook-certs/$key"
done
"$ROOT/bin/webhook" --port 19443 --cert-dir "$STATE/webhook-certs" --leader-elect=false \
	--metrics-bind-address 127.0.0.1:18444 --health-probe-bind-address 127.0.0.1:18082 >"$STATE/logs/webhook.log" 2>&1 &
pids+=($!)
NODE_NAME="$NODE_NAME" "$ROOT/bin/daemon" --health-probe-bind-address 127.0.0.1:18085 \
	--profile-storage-dir "$STATE/nodes/$NODE_NAME/profiles" \
	>"$STATE/logs/daemon.log" 2>&1 &
pids+=($!)

for port in 18081 18082 18085; do
	for _ in $(seq 1 60); do
		curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
		sleep 0.5
	done
	curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { log "a process on :$port is not ready; see $STATE/logs"; exit 1; }
done

log "applying examples/"
"$KUBECTL" apply -f "$ROOT/examples/" >"$STATE/logs/examples.log" 2>&1 || {
	cat "$STATE/logs/examples.log" >&2
	exit 1
}

cat <<MSG

Local Security Profiles Operator is up in $((SECONDS - start))s.

  export KUBECONFIG=$STATE/kubeconfig
  export PATH=$ROOT/bin/k8s/$K8S_VERSION:\$PATH
  kubectl get crds
  kubectl get sp -A -o wide

Node:        $NODE_NAME (kubelet root $KUBELET_DIR)
Logs:        $STATE/logs/
Stop with Ctrl-C, or from another shell: make run-local-processes-down

MSG

# Run until told to stop; a dying component ends the whole run.
wait -n "${pids[@]}" || true
log "a component exited unexpectedly; see $STATE/logs"
exit 1
