#!/usr/bin/env bash
# make run-local: a real single-node cluster on this machine (hack/local-cluster.sh:
# etcd, kube-apiserver, controller-manager, scheduler, containerd, kubelet,
# kube-proxy) with the operator deployed as pods from locally built images,
# using the same kustomize manifests as `make deploy` (overlay config/local).
# Waits for spod to be RUNNING, applies examples/ and waits for their
# profiles (SPO_EXAMPLES_TIMEOUT seconds at most), prints how to use kubectl,
# then runs until Ctrl-C or `make run-local-down`, which tear everything down
# and restore the host. Needs root.
#
#   hack/run-local.sh        bring it up and stay in the foreground
#   hack/run-local.sh down   stop a running one (from another shell)
#
# State lives in $SPO_LOCAL_STATE (default .local/): kubeconfig, logs, the
# image archives, and the node's kubelet root at nodes/<node>/kubelet.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
K8S_VERSION="${K8S_VERSION:-v1.35.4}"
export SPO_LOCAL_STATE="${SPO_LOCAL_STATE:-$ROOT/.local}"
mkdir -p "$SPO_LOCAL_STATE"
STATE="$(cd "$SPO_LOCAL_STATE" && pwd)"
export SPO_LOCAL_STATE="$STATE"
PIDFILE="$STATE/run-local.pid"
NODE_NAME="${NODE_NAME:-$(hostname | tr '[:upper:]' '[:lower:]')}"
export NODE_NAME
KUBECTL="$ROOT/bin/k8s/$K8S_VERSION/kubectl"
export KUBECTL
OPERATOR_NS=security-profiles-operator
KUBELET_ROOT="$STATE/nodes/$NODE_NAME/kubelet"
# The daemon's rootless profile storage on the host; removed at teardown
# when this run created it.
PROFILE_STORAGE=/var/lib/security-profiles-operator

log() { printf '[run-local] %s\n' "$*" >&2; }

# alive: the process exists and has not exited (a zombie whose parent has
# not reaped it yet, e.g. a test harness, is done).
alive() {
	local st
	st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

down() {
	if [ -f "$PIDFILE" ]; then
		local pid
		pid="$(cat "$PIDFILE")"
		if kill -0 "$pid" 2>/dev/null; then
			log "stopping run-local (pid $pid)"
			kill -TERM "$pid"
			for _ in $(seq 1 240); do alive "$pid" || break; sleep 0.5; done
		fi
		rm -f "$PIDFILE"
	fi
	# Also when no run-local process is left (it was killed): the cluster
	# may still be up.
	hack/local-cluster.sh down
}

if [ "${1:-}" = down ]; then
	down
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	log "a real node needs root (kubelet, containerd, network setup); for a quick loop without one use: make run-local-processes"
	exit 1
fi
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
	log "already running (pid $(cat "$PIDFILE")); stop it with: make run-local-down"
	exit 1
fi

start=$SECONDS
echo $$ >"$PIDFILE"
created_storage=
[ -e "$PROFILE_STORAGE" ] || created_storage=1

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	log "tearing down"
	jobs -p | xargs -r kill 2>/dev/null || true
	hack/local-cluster.sh down || rc=1
	if [ -n "$created_storage" ]; then
		rm -rf "$PROFILE_STORAGE"
	fi
	rm -f "$PIDFILE"
	log "stopped"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

log "bringing up the node"
hack/local-cluster.sh up
export KUBECONFIG="$STATE/kubeconfig"

log "building and importing the operator images"
# The same static binaries `make build` made (the target depends on it),
# as OCI archives; hack/local-cluster.sh up built bin/images.
"$ROOT/bin/images" -bin "$ROOT/bin" -out "$STATE/images" manager webhook daemon >"$STATE/logs/images.log" 2>&1 || {
	cat "$STATE/logs/images.log" >&2
	exit 1
}
hack/local-cluster.sh import "$STATE/images/manager.tar" "$STATE/images/webhook.tar" "$STATE/images/daemon.tar" \
	>>"$STATE/logs/images.log" 2>&1

# The local overlay plus this node's kubelet root, which only this run
# knows: the DaemonSet mounts it and the daemon links its profiles there.
overlay="$STATE/deploy"
mkdir -p "$overlay"
cat >"$overlay/kustomization.yaml" <<YAML
# Written by hack/run-local.sh for this node.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- $(realpath --relative-to="$overlay" "$ROOT/config/local")
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: security-profiles-operator
      namespace: $OPERATOR_NS
    spec:
      template:
        spec:
          containers:
          - name: security-profiles-operator
            env:
            - name: KUBELET_DIR
              value: $KUBELET_ROOT
YAML
echo "$overlay" >"$STATE/deploy-overlay"

log "deploying the operator"
hack/deploy.sh deploy "$overlay" >"$STATE/logs/deploy.log" 2>&1 || {
	cat "$STATE/logs/deploy.log" >&2
	exit 1
}
log "waiting for spod to be RUNNING"
for _ in $(seq 1 180); do
	"$KUBECTL" -n "$OPERATOR_NS" get spod spod -o jsonpath='{.status.state}' 2>/dev/null | grep -qx RUNNING && break
	sleep 1
done
if ! "$KUBECTL" -n "$OPERATOR_NS" get spod spod -o jsonpath='{.status.state}' 2>/dev/null | grep -qx RUNNING; then
	log "spod did not become RUNNING; pods:"
	"$KUBECTL" -n "$OPERATOR_NS" get pods -o wide >&2 || true
	"$KUBECTL" -n "$OPERATOR_NS" get spod spod -o yaml >&2 || true
	exit 1
fi
# A state directory from an earlier run still says RUNNING while the
# restarted node brings the pods back: wait for them too.
for workload in daemonset/spod deployment/security-profiles-operator deployment/security-profiles-operator-webhook; do
	"$KUBECTL" -n "$OPERATOR_NS" rollout status "$workload" --timeout=180s >/dev/null
done

log "applying examples/"
for ns in my-namespace nginx-deploy; do
	"$KUBECTL" create namespace "$ns" --dry-run=client -o yaml | "$KUBECTL" apply -f - >/dev/null
done
"$KUBECTL" apply -f "$ROOT/examples/" >"$STATE/logs/examples.log" 2>&1 || {
	cat "$STATE/logs/examples.log" >&2
	exit 1
}

# Up means the examples can be used: every example SeccompProfile is
# Installed, and every other example profile shows a state. (SELinux and
# AppArmor profiles cannot be installed on a node without them, and their
# support is off in the default spod.) A manager restarted on a state
# directory from an earlier run may first wait for its old leader lease.
EXAMPLES_TIMEOUT="${SPO_EXAMPLES_TIMEOUT:-180}"
example_profiles() {
	"$KUBECTL" get -f "$ROOT/examples/" --no-headers \
		-o custom-columns='KIND:.kind,NAMESPACE:.metadata.namespace,NAME:.metadata.name,STATUS:.status.status' |
		awk '$1 ~ /Profile$/'
}
# examples_settled fails while a profile has no state or a SeccompProfile
# is not Installed, and when there is nothing to look at.
examples_settled() {
	local table
	table="$(example_profiles 2>/dev/null)" || return 1
	awk '$4 == "<none>" || ($1 == "SeccompProfile" && $4 != "Installed") {bad = 1} END {exit bad || NR == 0}' <<<"$table"
}
log "waiting up to ${EXAMPLES_TIMEOUT}s for the examples' profiles"
deadline=$((SECONDS + EXAMPLES_TIMEOUT))
until examples_settled; do
	if [ "$SECONDS" -ge "$deadline" ]; then
		log "the examples' profiles did not settle within ${EXAMPLES_TIMEOUT}s (every SeccompProfile Installed, every other profile with a state):"
		example_profiles >&2 || true
		log "their node statuses:"
		"$KUBECTL" get securityprofilenodestatuses -A >&2 || true
		log "the manager's last log lines:"
		"$KUBECTL" -n "$OPERATOR_NS" logs deployment/security-profiles-operator --tail=20 >&2 || true
		exit 1
	fi
	sleep 1
done

cat <<MSG

Local Security Profiles Operator is up in $((SECONDS - start))s: a single-node cluster with the operator as pods.

  export KUBECONFIG=$STATE/kubeconfig
  export PATH=$ROOT/bin/k8s/$K8S_VERSION:\$PATH
  kubectl -n $OPERATOR_NS get pods,spod
  kubectl get sp -A -o wide

Examples:    every SeccompProfile Installed (kubectl get sp -A)
Node:        $NODE_NAME (kubelet root $KUBELET_ROOT)
Images:      localhost/busybox:local for workloads (imagePullPolicy: IfNotPresent)
Logs:        $STATE/logs/ (kubectl logs works too)
Stop with Ctrl-C, or from another shell: make run-local-down

MSG

# Run until told to stop.
sleep infinity &
wait $! || true
