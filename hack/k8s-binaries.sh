#!/usr/bin/env bash
# Builds etcd and the Kubernetes binaries (kube-apiserver first: envtest needs
# only it and etcd) from source through the Go module proxy, because prebuilt
# envtest assets cannot be downloaded on our machines.
#
# Binaries are cached outside the clone, keyed by version, so a fresh clone on
# the same machine (CI) reuses them in seconds:
#   $SPO_CACHE_DIR/k8s/<k8s-version>/{etcd,kube-apiserver,kubectl,...}
# and linked into the clone at bin/k8s/<k8s-version>.
#
# Usage: hack/k8s-binaries.sh [envtest|all]   (default: all)
#   envtest  etcd, kube-apiserver, kubectl
#   all      plus kube-controller-manager, kube-scheduler, kubelet, kube-proxy
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.35.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
SPO_CACHE_DIR="${SPO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/security-profiles-operator}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

what="${1:-all}"
out="$SPO_CACHE_DIR/k8s/$K8S_VERSION"
src="$SPO_CACHE_DIR/src/k8s-$K8S_VERSION"
mkdir -p "$out" "$src"

log() { printf '[k8s-binaries] %s\n' "$*" >&2; }

# staging_version maps v1.35.4 to v0.35.4: every k8s.io staging module is
# published with the same minor and patch under major 0.
staging_version() { echo "v0.${K8S_VERSION#v1.}"; }

write_kubernetes_wrapper() {
	local dir="$src/kubernetes"
	[ -f "$dir/.ready" ] && return 0
	mkdir -p "$dir"
	log "preparing wrapper module for k8s.io/kubernetes $K8S_VERSION"
	local gomod
	gomod="$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
	{
		echo "module spo.local/k8sbinaries"
		echo
		echo "go $(sed -n 's/^go //p' "$gomod")"
		echo
		echo "require k8s.io/kubernetes $K8S_VERSION"
		echo
		echo "replace ("
		# k8s.io/kubernetes points every staging module at ./staging/src;
		# a wrapper must point them at their published versions instead.
		sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$gomod" |
			while read -r m; do echo "	$m => $m $(staging_version)"; done
		echo ")"
	} >"$dir/go.mod"
	cat >"$dir/tools.go" <<'GO'
//go:build tools

// Package tools pins the commands this wrapper module builds.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
	(cd "$dir" && GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true)
	(cd "$dir" && GOFLAGS=-mod=mod go mod download)
	touch "$dir/.ready"
}

write_etcd_wrapper() {
	local dir="$src/etcd-$ETCD_VERSION"
	[ -f "$dir/.ready" ] && return 0
	mkdir -p "$dir"
	log "preparing wrapper module for etcd $ETCD_VERSION"
	cat >"$dir/go.mod" <<MOD
module spo.local/etcdbinary

go 1.24

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
MOD
	cat >"$dir/tools.go" <<'GO'
//go:build tools

// Package tools pins the etcd server command.
package tools

import _ "go.etcd.io/etcd/server/v3"
GO
	(cd "$dir" && GOFLAGS=-mod=mod go mod tidy)
	touch "$dir/.ready"
}

version_ldflags() {
	local minor="${K8S_VERSION#v1.}"
	minor="${minor%%.*}"
	local f=""
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		f+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
		f+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
	done
	echo "-s -w$f"
}

build_k8s() {
	local name="$1"
	if [ -x "$out/$name" ]; then return 0; fi
	write_kubernetes_wrapper
	log "building $name $K8S_VERSION (cold builds take minutes)"
	local start=$SECONDS
	(cd "$src/kubernetes" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
		-ldflags "$(version_ldflags)" -o "$out/$name.tmp" "k8s.io/kubernetes/cmd/$name")
	mv "$out/$name.tmp" "$out/$name"
	log "built $name in $((SECONDS - start))s"
}

build_etcd() {
	if [ -x "$out/etcd" ]; then return 0; fi
	write_etcd_wrapper
	log "building etcd $ETCD_VERSION"
	local start=$SECONDS
	(cd "$src/etcd-$ETCD_VERSION" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" \
		-o "$out/etcd.tmp" go.etcd.io/etcd/server/v3)
	mv "$out/etcd.tmp" "$out/etcd"
	log "built etcd in $((SECONDS - start))s"
}

build_etcd
build_k8s kube-apiserver
build_k8s kubectl
if [ "$what" = all ]; then
	for b in kube-scheduler kubelet kube-controller-manager kube-proxy; do build_k8s "$b"; done
fi

# Link the cache into the clone so KUBEBUILDER_ASSETS has a stable path.
mkdir -p "$ROOT/bin/k8s"
ln -sfn "$out" "$ROOT/bin/k8s/$K8S_VERSION"
log "binaries ready in bin/k8s/$K8S_VERSION"
