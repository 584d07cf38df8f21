#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the local cluster
# need. Idempotent: it only calls apt when something is missing, so a warm
# machine pays nothing.
set -euo pipefail

# Packages from bookworm itself.
packages=(
	build-essential pkg-config git
	libseccomp-dev          # libseccomp-golang (validation, spoc run)
	libelf-dev zlib1g-dev   # static libbpf links against these
	clang llvm              # BPF C -> object
	bpftool                 # make vmlinux: vmlinux.h from kernel BTF
	strace                  # recorder tests compare against strace -f
	runc busybox-static     # real-runtime checks of installed profiles
	containerd containernetworking-plugins iptables iproute2 conntrack
	apparmor                # apparmor_parser validates profiles offline
	secilc                  # compiles generated CIL offline
	# semodule and Debian's refpolicy store: selinuxdtest installs policies
	# into a copy of that store, as selinuxd does on a node.
	policycoreutils semodule-utils selinux-policy-default
	auditd                  # SCMP_ACT_LOG audit lines for enricher tests
	jq curl ca-certificates openssl
)
# libbpf >= 1.4 is only in bookworm-backports; libbpfgo v0.8 needs it.
backports=(libbpf-dev)

export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
need_backports=0
libbpf_version="$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || true)"
case "$libbpf_version" in
1:1.[4-9]* | 1:[2-9]*) ;;
*) need_backports=1 ;;
esac

if [ "${#missing[@]}" -eq 0 ] && [ "$need_backports" -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages (${missing[*]} ${backports[*]}); run as root to install them" >&2
	exit 1
fi

if [ "$need_backports" -eq 1 ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat >/etc/apt/sources.list.d/bookworm-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

apt-get update -qq
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$need_backports" -eq 1 ]; then
	apt-get install -y -qq --no-install-recommends -t bookworm-backports "${backports[@]}" >/dev/null
fi
echo "deps: installed ${missing[*]} $([ "$need_backports" -eq 1 ] && echo "${backports[*]} (backports)")" >&2
