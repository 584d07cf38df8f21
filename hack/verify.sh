#!/usr/bin/env bash
# make verify: regenerate everything generated into a copy of the tree and
# fail if it differs from what is committed (the BPF object too, see
# hack/verify-bpf.sh); then gofmt and go vet.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The copy holds what git knows about (tracked and new files), not bin/ or
# .local/, so it regenerates from exactly the sources a clean clone has.
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
	[ -e "$f" ] || continue
	mkdir -p "$tmp/$(dirname "$f")"
	cp -p "$f" "$tmp/$f"
done
# The copy shares the clone's bin/ (controller-gen is built once). In a
# fresh clone bin/ does not exist yet, and a link to nothing makes every
# later mkdir of bin/ in the copy fail with "File exists": create it first.
mkdir -p "$ROOT/bin"
ln -s "$ROOT/bin" "$tmp/bin"
make -C "$tmp" --no-print-directory generate manifests >/dev/null
if ! diff -ru --exclude=bin "$ROOT/apis" "$tmp/apis" || ! diff -ru "$ROOT/config" "$tmp/config" || ! diff -ru "$ROOT/deploy" "$tmp/deploy" || ! diff -ru "$ROOT/bundle" "$tmp/bundle"; then
	echo "verify: generated files are out of date; run 'make generate manifests' and commit" >&2
	exit 1
fi
# The committed BPF object against its source, rebuilt in the copy.
if [ -d recorder/bpf ]; then
	hack/verify-bpf.sh "$tmp"
fi

unformatted="$(gofmt -l $(git ls-files '*.go') 2>/dev/null || true)"
if [ -n "$unformatted" ]; then
	echo "verify: not gofmt'ed:" >&2
	echo "$unformatted" >&2
	exit 1
fi

[ -f hack/cgo-env.sh ] && source hack/cgo-env.sh
go vet ./...
echo "verify: generated code, formatting and vet are clean"
