#!/usr/bin/env bash
# hack/local-cluster.sh up|down|status|import — a real single-node Kubernetes cluster
# on this machine, as root: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, a dedicated containerd, kubelet, bridge CNI and kube-proxy
# (iptables mode). No registry is needed: the pause and busybox images are
# built by hack/images and imported into the cluster's containerd.
#
# State (default .local/ in the repo, or $SPO_LOCAL_STATE):
#   kubeconfig                 admin kubeconfig
#   pki/                       CA, serving/client certificates, SA key pair
#   logs/<component>.log       every process's output
#   run/                       pid files, saved sysctls, lock holder
#   etcd/ containerd/ cni/     component data
#   nodes/<node>/kubelet       the kubelet's --root-dir; Localhost seccomp
#                              profiles resolve under its seccomp/ directory
#
# Network: node IP from the default route (or $SPO_LOCAL_NODE_IP), node name
# $NODE_NAME (default the hostname); pods 10.77.0.0/24 on bridge spo0,
# services 10.77.1.0/24 (kubernetes = 10.77.1.1), no cluster DNS. Ports:
# kube-apiserver 6443 (all addresses), etcd 127.0.0.1:12379/12380, kubelet
# <node IP>:10250 and 127.0.0.1:10248, controller-manager 10257 and scheduler
# 10259 on 127.0.0.1, kube-proxy 127.0.0.1:10249/10256.
#
# Host-global resources (bridge spo0, pod CIDR, service CIDR, ports, the
# /kubepods cgroups, kube-proxy's iptables chains) are fixed, so one cluster
# runs at a time: `up` holds an exclusive flock on /run/spo-local-cluster.lock
# until `down`. Set SPO_LOCAL_LOCK_WAIT=<seconds> to wait for it instead of
# failing at once. `down` is idempotent and restores the host: processes,
# mounts, netns, bridge, iptables chains, cgroups, sysctls.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S_VERSION="${K8S_VERSION:-v1.35.4}"
K8S_BIN="$ROOT/bin/k8s/$K8S_VERSION"
STATE="${SPO_LOCAL_STATE:-$ROOT/.local}"
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd)"
NODE_NAME="${NODE_NAME:-$(hostname | tr '[:upper:]' '[:lower:]')}"
LOCK=/run/spo-local-cluster.lock
LOCK_WAIT="${SPO_LOCAL_LOCK_WAIT:-0}"

BRIDGE=spo0
CNI_NETWORK=spo-local
POD_CIDR=10.77.0.0/24
SERVICE_CIDR=10.77.1.0/24
SERVICE_IP=10.77.1.1
APISERVER_PORT=6443
ETCD_CLIENT_PORT=12379
ETCD_PEER_PORT=12380
PAUSE_IMAGE=localhost/pause:local

RUN="$STATE/run"
LOGS="$STATE/logs"
PKI="$STATE/pki"
KUBELET_ROOT="$STATE/nodes/$NODE_NAME/kubelet"
CONTAINERD_DIR="$STATE/containerd"
CONTAINERD_SOCK="$CONTAINERD_DIR/containerd.sock"
KUBECONFIG_FILE="$STATE/kubeconfig"
KUBECTL="$K8S_BIN/kubectl"
# Started after the control plane, stopped before it.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy)
# Directories the kubelet, containerd and CNI create on the host whatever
# their configuration says; down removes the ones up found missing.
HOST_DIRS=(/var/lib/kubelet/device-plugins /var/lib/kubelet /var/log/containers /var/lib/cni/results /var/lib/cni
	/run/containerd/s /run/containerd /run/netns)
SYSCTLS=(vm.overcommit_memory kernel.panic kernel.panic_on_oops net.ipv4.ip_forward
	net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.ipv4.conf.all.route_localnet)

log() { printf '[local-cluster] %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
ctr_() { ctr -a "$CONTAINERD_SOCK" -n k8s.io "$@"; }
# ctr_within SECONDS ARGS...: ctr_ bounded in time (timeout cannot run a
# shell function such as ctr_ itself).
ctr_within() { local t="$1"; shift; timeout "$t" ctr -a "$CONTAINERD_SOCK" -n k8s.io "$@"; }
alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

# open_lock opens the lock on fd 9: the caller's own descriptor when it
# passes one in SPO_LOCAL_LOCK_FD (test/localcluster holds the lock across
# up, its checks and down, so no other cluster starts in between; flock on
# the same open file description succeeds at once), else the file in append
# mode, which does not truncate the holder's record.
open_lock() {
	if [ -n "${SPO_LOCAL_LOCK_FD:-}" ]; then
		eval "exec 9>&$SPO_LOCAL_LOCK_FD $SPO_LOCAL_LOCK_FD>&-"
	else
		exec 9>>"$LOCK"
	fi
}

node_ip() {
	if [ -n "${SPO_LOCAL_NODE_IP:-}" ]; then
		echo "$SPO_LOCAL_NODE_IP"
		return
	fi
	local ip
	ip="$(ip -4 -o route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')"
	[ -n "$ip" ] || ip="$(ip -4 -o addr show scope global | awk '{sub("/.*", "", $4); print $4; exit}')"
	[ -n "$ip" ] || die "cannot find a node IP; set SPO_LOCAL_NODE_IP"
	echo "$ip"
}

# close_inherited_fds closes every descriptor above stderr that the caller
# left open (pipes of a test harness, a calling script's own fds), except
# bash's script fd and a passed-in lock, so no daemon holds them for its
# lifetime and keeps a caller waiting for EOF.
close_inherited_fds() {
	local fd n
	for fd in /proc/$$/fd/*; do
		n="${fd##*/}"
		[ "$n" -gt 2 ] && [ "$n" -ne 255 ] && [ "$n" != "${SPO_LOCAL_LOCK_FD:-}" ] || continue
		eval "exec $n>&-" 2>/dev/null || true
	done
}

# start NAME CMD... runs a component in its own session, without the lock fd,
# logging to logs/NAME.log.
start() {
	local name="$1"
	shift
	setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
	echo $! >"$RUN/$name.pid"
}

wait_for() {
	local what="$1" timeout="$2"
	shift 2
	local deadline=$((SECONDS + timeout))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || die "timed out after ${timeout}s waiting for $what; logs in $LOGS; clean up with: SPO_LOCAL_STATE=$STATE $0 down"
		sleep 0.2
	done
}

build_tools() {
	(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$ROOT/bin/local-cluster" ./hack/local-cluster &&
		CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$ROOT/bin/pause" ./hack/images/pause &&
		go build -trimpath -o "$ROOT/bin/images" ./hack/images)
}

write_configs() {
	local ip="$1"
	mkdir -p "$CONTAINERD_DIR" "$STATE/cni/net.d" "$STATE/cni/ipam" "$KUBELET_ROOT/seccomp" "$STATE/nodes/$NODE_NAME/pod-logs"
	cat >"$CONTAINERD_DIR/config.toml" <<TOML
version = 2
root = "$CONTAINERD_DIR/root"
state = "$CONTAINERD_DIR/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_DIR/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CONTAINERD_DIR/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # No CAP_SYS_RESOURCE here: without this every sandbox dies in runc create.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false
      Root = "$CONTAINERD_DIR/runc"
TOML
	cat >"$STATE/cni/net.d/10-$CNI_NETWORK.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "$CNI_NETWORK",
  "plugins": [{
    "type": "bridge",
    "bridge": "$BRIDGE",
    "isGateway": true,
    "ipMasq": false,
    "hairpinMode": true,
    "ipam": {
      "type": "host-local",
      "dataDir": "$STATE/cni/ipam",
      "ranges": [[{"subnet": "$POD_CIDR"}]],
      "routes": [{"dst": "0.0.0.0/0"}]
    }
  }]
}
JSON
	cat >"$STATE/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
failSwapOn: false
makeIPTablesUtilChains: false
protectKernelDefaults: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
podLogsDir: $STATE/nodes/$NODE_NAME/pod-logs
address: $ip
port: 10250
healthzBindAddress: 127.0.0.1
healthzPort: 10248
readOnlyPort: 0
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
# Disks here can be quite full: evict only when almost nothing is left, and
# never garbage-collect the imported images (they cannot be pulled again).
evictionHard: {memory.available: 50Mi, nodefs.available: 1%, nodefs.inodesFree: 1%, imagefs.available: 1%, imagefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
fileCheckFrequency: 5s
nodeStatusUpdateFrequency: 5s
YAML
	cat >"$STATE/kube-proxy-config.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $STATE/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
bindAddress: $ip
nodePortAddresses: [primary]
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Leave the host's conntrack limits and timeouts alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s, udpTimeout: 0s, udpStreamTimeout: 0s}
iptables: {localhostNodePorts: false, syncPeriod: 30s, minSyncPeriod: 0s}
YAML
}

save_sysctls() {
	# A failed up without down keeps the first, original values.
	[ -f "$RUN/sysctls" ] && return 0
	local k v
	for k in "${SYSCTLS[@]}"; do
		v="$(sysctl -n "$k" 2>/dev/null)" && echo "$k=$v"
	done >"$RUN/sysctls.tmp"
	mv "$RUN/sysctls.tmp" "$RUN/sysctls"
	ls /run/netns 2>/dev/null | grep '^cni-' >"$RUN/netns-before" || true
	local d
	for d in "${HOST_DIRS[@]}"; do
		if [ -e "$d" ]; then echo "$d"; fi
	done >"$RUN/host-dirs-before"
}

up() {
	[ "$(id -u)" -eq 0 ] || die "run as root: the cluster runs containers, mounts and changes host networking"
	[ -x "$K8S_BIN/kubelet" ] || die "missing $K8S_BIN: run make k8s-binaries"
	for c in containerd runc ctr iptables conntrack ip; do command -v "$c" >/dev/null || die "$c is missing: run hack/deps.sh"; done
	[ -x /usr/lib/cni/bridge ] || die "CNI plugins missing: run hack/deps.sh (containernetworking-plugins)"
	if alive kube-apiserver && alive kubelet; then
		log "already up; kubeconfig: $KUBECONFIG_FILE"
		echo "$KUBECONFIG_FILE"
		return 0
	fi
	mkdir -p "$RUN" "$LOGS" "$PKI"
	close_inherited_fds
	open_lock
	if ! flock -w "$LOCK_WAIT" 9; then
		die "the local cluster in $(cat "$LOCK" 2>/dev/null || echo '?') holds $LOCK; stop it with: SPO_LOCAL_STATE=<that dir> $0 down"
	fi
	echo "$STATE" >"$LOCK"
	# The lock lives as long as this holder, which down stops last.
	setsid sleep infinity </dev/null >/dev/null 2>&1 &
	echo $! >"$RUN/lock-holder.pid"
	exec 9>&-
	local t0=$SECONDS ip
	trap 'log "up failed; logs in $LOGS; clean up with: SPO_LOCAL_STATE=$STATE $0 down"' ERR
	ip="$(node_ip)"
	echo "$ip" >"$RUN/node-ip"
	echo "$NODE_NAME" >"$RUN/node-name"
	save_sysctls
	build_tools
	"$ROOT/bin/local-cluster" certs -dir "$PKI" -kubeconfigs "$STATE" -node "$NODE_NAME" -node-ip "$ip" \
		-service-ip "$SERVICE_IP" -port "$APISERVER_PORT"
	write_configs "$ip"
	log "node $NODE_NAME at $ip, state $STATE"

	start etcd "$K8S_BIN/etcd" --name spo-local --data-dir "$STATE/etcd" \
		--listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
		--listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster "spo-local=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" --unsafe-no-fsync
	start containerd containerd --config "$CONTAINERD_DIR/config.toml"
	start kube-apiserver "$K8S_BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
		--advertise-address "$ip" --bind-address 0.0.0.0 --secure-port "$APISERVER_PORT" \
		--tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" --client-ca-file "$PKI/ca.crt" \
		--service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
		--service-account-issuer https://kubernetes.default.svc.cluster.local \
		--service-cluster-ip-range "$SERVICE_CIDR" --authorization-mode Node,RBAC --allow-privileged=true \
		--kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
		--kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
		--enable-aggregator-routing=true --profiling=false
	# Images while the API server starts.
	wait_for containerd 30 ctr_ version
	"$ROOT/bin/images" -bin "$ROOT/bin" -out "$STATE/images" pause busybox >/dev/null
	ctr_ images import "$STATE/images/pause.tar" >/dev/null
	ctr_ images import "$STATE/images/busybox.tar" >/dev/null

	wait_for kube-apiserver 60 kc get --raw /readyz
	# After readyz, so RBAC bootstrap policy exists when they start.
	start kube-controller-manager "$K8S_BIN/kube-controller-manager" --kubeconfig "$STATE/controller-manager.kubeconfig" \
		--authentication-kubeconfig "$STATE/controller-manager.kubeconfig" --authorization-kubeconfig "$STATE/controller-manager.kubeconfig" \
		--bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
		--service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
		--cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" --service-cluster-ip-range "$SERVICE_CIDR"
	start kube-scheduler "$K8S_BIN/kube-scheduler" --kubeconfig "$STATE/scheduler.kubeconfig" \
		--authentication-kubeconfig "$STATE/scheduler.kubeconfig" --authorization-kubeconfig "$STATE/scheduler.kubeconfig" \
		--bind-address 127.0.0.1 --leader-elect=false

	start kubelet "$K8S_BIN/kubelet" --config "$STATE/kubelet-config.yaml" --kubeconfig "$STATE/kubelet.kubeconfig" \
		--root-dir "$KUBELET_ROOT" --hostname-override "$NODE_NAME" --node-ip "$ip"
	start kube-proxy "$K8S_BIN/kube-proxy" --config "$STATE/kube-proxy-config.yaml"
	wait_for "node $NODE_NAME" 60 kc get node "$NODE_NAME"
	wait_for "node $NODE_NAME Ready" 60 kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s
	wait_for "the default service account" 60 kc get serviceaccount default -n default
	wait_for kube-proxy 60 curl -fsS http://127.0.0.1:10256/healthz
	log "up in $((SECONDS - t0))s; export KUBECONFIG=$KUBECONFIG_FILE"
	echo "$KUBECONFIG_FILE"
}

any_alive() {
	local p
	for p; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}

stop_pid() {
	local name="$1" sig="${2:-TERM}" pid
	[ -f "$RUN/$name.pid" ] || return 0
	pid="$(cat "$RUN/$name.pid")"
	if kill -0 "$pid" 2>/dev/null; then
		kill "-$sig" "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$RUN/$name.pid"
}

# stop_containers kills every task of the cluster's containerd and deletes
# it, so the shims unmount root filesystems and exit.
stop_containers() {
	[ -S "$CONTAINERD_SOCK" ] && alive containerd || return 0
	local ids id
	ids="$(timeout 10 ctr -a "$CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null || true)"
	# CNI keeps a result file per sandbox and network in a fixed directory.
	timeout 10 ctr -a "$CONTAINERD_SOCK" -n k8s.io containers ls -q >>"$RUN/container-ids" 2>/dev/null || true
	# SIGTERM first, while the API server still runs: the operator's manager
	# and webhook then hand back their leader leases, and a run on this
	# state directory later does not wait them out. What still runs a few
	# seconds later (a shell as PID 1 ignores SIGTERM) is killed.
	for id in $ids; do ctr_within 5 tasks kill -a -s SIGTERM "$id" >/dev/null 2>&1 || true; done
	for _ in $(seq 1 50); do
		ctr_within 5 tasks ls 2>/dev/null | grep -qw RUNNING || break
		sleep 0.1
	done
	for id in $ids; do ctr_within 5 tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true; done
	for id in $ids; do ctr_within 10 tasks delete -f "$id" >/dev/null 2>&1 || true; done
}

# kill_leftovers kills any process still naming the cluster's containerd
# directory (shims carry its socket on their command line). Only that
# directory: other tools keep state next to ours (run-local-processes).
kill_leftovers() {
	local p cmd
	for p in /proc/[0-9]*; do
		cmd="$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)" || continue
		case "$cmd" in *"$CONTAINERD_DIR/"*) kill -KILL "${p#/proc/}" 2>/dev/null || true ;; esac
	done
}

unmount_state() {
	local m
	# Deepest first; mountinfo escapes spaces as \040.
	awk -v n="$STATE/nodes/" -v c="$CONTAINERD_DIR/" 'index($5 "/", n) == 1 || index($5 "/", c) == 1 {print length($5), $5}' /proc/self/mountinfo |
		sort -rn | cut -d' ' -f2- |
		while read -r m; do
			m="$(printf '%b' "$m")"
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "cannot unmount $m"
		done
}

# Host-global cleanup, done only while holding the lock, so it never touches
# another running cluster.
clean_host() {
	local pids cg ns
	# Container processes that escaped task deletion.
	for cg in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
		[ -d "$cg" ] || continue
		pids="$(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null || true)"
		[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
	done
	for ns in /run/netns/cni-*; do
		[ -e "$ns" ] || continue
		if [ -f "$RUN/netns-before" ] && grep -qx "$(basename "$ns")" "$RUN/netns-before"; then continue; fi
		umount "$ns" 2>/dev/null || umount -l "$ns" 2>/dev/null || true
		rm -f "$ns"
	done
	if ip link show "$BRIDGE" >/dev/null 2>&1; then
		for v in $(ip -o link show master "$BRIDGE" | awk -F': ' '{sub("@.*", "", $2); print $2}'); do ip link del "$v" 2>/dev/null || true; done
		ip link del "$BRIDGE" 2>/dev/null || true
	fi
	rm -f /var/lib/cni/results/"$CNI_NETWORK"-* 2>/dev/null || true
	clean_host_files
	clean_iptables
	sleep 0.2
	for cg in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
		[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
		[ -d "$cg" ] && log "cannot remove cgroup $cg"
	done
	if [ -f "$RUN/sysctls" ]; then
		while IFS='=' read -r k v; do sysctl -qw "$k=$v" >/dev/null 2>&1 || log "cannot restore $k=$v"; done <"$RUN/sysctls"
		rm -f "$RUN/sysctls"
	fi
	rm -f "$RUN/netns-before"
}

# clean_host_files removes what the node wrote outside the state directory:
# CNI loopback results of its sandboxes, the kubelet's device-plugin socket
# and its /var/log/containers links, then the directories up found missing.
clean_host_files() {
	local id l d
	if [ -f "$RUN/container-ids" ]; then
		while read -r id; do
			[ -n "$id" ] || continue
			rm -f /var/lib/cni/results/*-"$id"-* 2>/dev/null || true
			# A shim listens on /run/containerd/s/sha256(<address>/<ns>/<id>)
			# and leaves the socket behind when it is killed.
			rm -f "/run/containerd/s/$(printf '%s' "$CONTAINERD_SOCK/k8s.io/$id" | sha256sum | cut -d' ' -f1)"
		done <"$RUN/container-ids"
		rm -f "$RUN/container-ids"
	fi
	for l in /var/log/containers/*; do
		[ -L "$l" ] && case "$(readlink "$l")" in "$STATE/"*) rm -f "$l" ;; esac
	done
	rm -f /var/lib/kubelet/device-plugins/kubelet.sock
	if [ -f "$RUN/host-dirs-before" ]; then
		for d in "${HOST_DIRS[@]}"; do
			grep -qx "$d" "$RUN/host-dirs-before" || rmdir "$d" 2>/dev/null || true
		done
		rm -f "$RUN/host-dirs-before"
	fi
	return 0
}

# clean_iptables removes kube-proxy's (and the kubelet's) KUBE-* chains and
# the jumps to them, for IPv4 and IPv6.
clean_iptables() {
	[ -x "$K8S_BIN/kube-proxy" ] && timeout 20 "$K8S_BIN/kube-proxy" --cleanup >>"$LOGS/kube-proxy-cleanup.log" 2>&1 || true
	local ipt t rule chain
	for ipt in iptables ip6tables; do
		command -v "$ipt" >/dev/null || continue
		for t in filter nat mangle raw; do
			{ "$ipt-save" -t "$t" 2>/dev/null | grep -E '^-A [^ ]+ .*KUBE-' | grep -vE '^-A KUBE-' || true; } | while read -r rule; do
				eval "$ipt -t $t -D ${rule#-A }" 2>/dev/null || true
			done
			for chain in $("$ipt-save" -t "$t" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p'); do "$ipt" -t "$t" -F "$chain" 2>/dev/null || true; done
			for chain in $("$ipt-save" -t "$t" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p'); do "$ipt" -t "$t" -X "$chain" 2>/dev/null || true; done
		done
	done
}

down() {
	[ "$(id -u)" -eq 0 ] || die "run as root"
	mkdir -p "$RUN" "$LOGS"
	# The kubelet first, or it restarts what we stop; then the containers,
	# while containerd still runs to unmount their root filesystems.
	stop_pid kubelet
	stop_containers
	# Nothing stateful is left to shut down gracefully: give the rest (the
	# API server waits for its watchers) a moment, then kill them.
	local c pids=()
	for c in "${COMPONENTS[@]}"; do
		[ -f "$RUN/$c.pid" ] && pids+=("$(cat "$RUN/$c.pid")")
	done
	if [ "${#pids[@]}" -gt 0 ]; then
		kill -TERM "${pids[@]}" 2>/dev/null || true
		for _ in $(seq 1 20); do any_alive "${pids[@]}" || break; sleep 0.1; done
		kill -KILL "${pids[@]}" 2>/dev/null || true
	fi
	for c in "${COMPONENTS[@]}"; do rm -f "$RUN/$c.pid"; done
	kill_leftovers
	stop_pid lock-holder KILL
	open_lock
	if flock -w 10 9; then
		clean_host
		: >"$LOCK"
	else
		log "another cluster holds $LOCK: left host-global resources alone"
	fi
	unmount_state
	rm -rf "$CONTAINERD_DIR/state" "$CONTAINERD_DIR/runc" "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc"
	exec 9>&-
	log "down"
}

# import [--if-running] ARCHIVE... loads OCI archives into the running
# cluster's containerd (namespace k8s.io), where the kubelet finds them.
import_images() {
	local if_running=0
	if [ "${1:-}" = --if-running ]; then
		if_running=1
		shift
	fi
	if ! alive containerd; then
		[ "$if_running" -eq 1 ] && return 0
		die "the local cluster in $STATE is not running"
	fi
	local f
	for f in "$@"; do
		ctr_ images import "$f" >/dev/null
		log "imported $f"
	done
}

status() {
	local c
	for c in "${COMPONENTS[@]}"; do
		if alive "$c"; then echo "$c running (pid $(cat "$RUN/$c.pid"))"; else echo "$c stopped"; fi
	done
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
import)
	shift
	import_images "$@"
	;;
*)
	echo "usage: $0 up|down|status|import [--if-running] ARCHIVE...   (state dir: \$SPO_LOCAL_STATE, default .local/)" >&2
	exit 2
	;;
esac
