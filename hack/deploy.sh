#!/usr/bin/env bash
# make deploy / make undeploy: install or remove the operator with the
# manifests of a config/ overlay, rendered by the kustomize API
# (hack/manifests), on the cluster $KUBECTL points at.
#
#   hack/deploy.sh deploy   [overlay]   server-side apply, then wait for the manager
#   hack/deploy.sh undeploy [overlay]   profiles first (their finalizers need the
#                                       operator), the webhook configuration, then
#                                       everything the overlay installed
# Set FORCE=1 on undeploy to clear the finalizers of profiles still held by
# running pods instead of stopping.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
KUBECTL="${KUBECTL:-kubectl}"
NAMESPACE=security-profiles-operator
TIMEOUT="${TIMEOUT:-120s}"
# Kinds whose objects carry the operator's finalizers.
PROFILE_KINDS=(profilebindings profilerecordings seccompprofiles selinuxprofiles rawselinuxprofiles apparmorprofiles)

log() { printf '[deploy] %s\n' "$*" >&2; }

render() { go run ./hack/manifests render "$1"; }

deploy() {
	local overlay="$1"
	log "applying $overlay"
	render "$overlay" | "$KUBECTL" apply --server-side --field-manager=spo-deploy -f -
	log "waiting for the manager"
	"$KUBECTL" -n "$NAMESPACE" rollout status deployment/security-profiles-operator --timeout="$TIMEOUT"
	log "done: 'kubectl -n $NAMESPACE get spod' shows the rollout of the node daemon"
}

crd_exists() { "$KUBECTL" get crd "$1.security-profiles-operator.x-k8s.io" >/dev/null 2>&1; }

delete_profiles() {
	local kind left=()
	for kind in "${PROFILE_KINDS[@]}"; do
		crd_exists "$kind" || continue
		"$KUBECTL" delete "$kind" --all --all-namespaces --wait=false >/dev/null
	done
	for kind in "${PROFILE_KINDS[@]}"; do
		crd_exists "$kind" || continue
		if ! "$KUBECTL" wait "$kind" --all --all-namespaces --for=delete --timeout="$TIMEOUT" >/dev/null 2>&1; then
			left+=("$kind")
		fi
	done
	[ ${#left[@]} -eq 0 ] && return 0
	for kind in "${left[@]}"; do
		"$KUBECTL" get "$kind" --all-namespaces -o custom-columns='KIND:.kind,NAMESPACE:.metadata.namespace,NAME:.metadata.name,FINALIZERS:.metadata.finalizers' >&2 || true
	done
	if [ "${FORCE:-}" != 1 ]; then
		log "profiles above are still in use (delete the pods using them) or waiting for nodes; rerun with FORCE=1 to drop their finalizers"
		return 1
	fi
	log "FORCE=1: clearing the finalizers of the profiles above"
	for kind in "${left[@]}"; do
		"$KUBECTL" get "$kind" --all-namespaces -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{"\n"}{end}' |
			while read -r ns name; do
				[ -n "$name" ] || continue
				"$KUBECTL" -n "$ns" patch "$kind" "$name" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null || true
			done
	done
}

undeploy() {
	local overlay="$1"
	log "deleting profiles while the operator can still release them"
	delete_profiles
	# The manager would recreate what it deploys; stop it first. Then the
	# webhook configuration, while the webhook still answers, so pods stay
	# creatable while its backend goes away.
	"$KUBECTL" -n "$NAMESPACE" delete deployment security-profiles-operator --ignore-not-found --wait=true
	"$KUBECTL" delete mutatingwebhookconfiguration spo-mutating-webhook-configuration --ignore-not-found
	"$KUBECTL" -n "$NAMESPACE" delete spod --all --ignore-not-found --wait=true 2>/dev/null || true
	log "deleting $overlay"
	render "$overlay" | "$KUBECTL" delete --ignore-not-found --wait=true -f -
	log "done"
}

case "${1:-}" in
deploy) deploy "${2:-config/default}" ;;
undeploy) undeploy "${2:-config/default}" ;;
*)
	echo "usage: $0 deploy|undeploy [overlay]" >&2
	exit 2
	;;
esac
