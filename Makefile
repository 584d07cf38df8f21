# Security Profiles Operator — build, generate, test and run locally.
SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

K8S_VERSION ?= v1.35.4
ETCD_VERSION ?= v3.6.16
BIN := $(CURDIR)/bin
K8S_BIN := $(BIN)/k8s/$(K8S_VERSION)
CONTROLLER_GEN := $(BIN)/controller-gen
GINKGO := $(BIN)/ginkgo
# The OLM bundle's version (CSV security-profiles-operator.v$(BUNDLE_VERSION)).
# A fixed value so `make verify` regenerates the committed bundle exactly;
# bump it (and deploy/helm/Chart.yaml) for a release.
BUNDLE_VERSION ?= 0.1.0
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)
GIT_COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BUILD_DATE ?= $(shell date -u -d @$$(git log -1 --format=%ct 2>/dev/null || echo 0) +%Y-%m-%dT%H:%M:%SZ)
VERSION_PKG := github.com/securityprofiles/operator/internal/version
LDFLAGS := -s -w -X $(VERSION_PKG).version=$(VERSION) -X $(VERSION_PKG).gitCommit=$(GIT_COMMIT) -X $(VERSION_PKG).buildDate=$(BUILD_DATE)
export KUBEBUILDER_ASSETS := $(K8S_BIN)
export K8S_VERSION ETCD_VERSION

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy code from the API types.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./apis/...

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate CRDs and RBAC from markers, deploy/*.yaml, the Helm chart's CRDs and roles, and the OLM bundle.
	$(CONTROLLER_GEN) crd paths=./apis/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=spo-manager paths=./cmd/manager/... paths=./controllers/... output:rbac:artifacts:config=config/rbac/manager
	$(CONTROLLER_GEN) rbac:roleName=spod paths=./daemon/... output:rbac:artifacts:config=config/rbac/daemon
	$(CONTROLLER_GEN) rbac:roleName=spo-webhook paths=./webhooks/... output:rbac:artifacts:config=config/rbac/webhook
	go run ./hack/manifests write $(BUNDLE_VERSION)

.PHONY: bundle
bundle: ## Regenerate the OLM bundle under bundle/ from config/default (also part of manifests).
	go run ./hack/manifests bundle $(BUNDLE_VERSION)

.PHONY: verify
verify: ## Regenerate into a copy of the tree and fail on drift; vet.
	hack/verify.sh

.PHONY: fmt
fmt: ## Format the Go code.
	gofmt -w $$(git ls-files '*.go')

##@ Build

.PHONY: build
build: spoc daemon ## Build every binary into bin/ (spoc and daemon, which need cgo, by their own targets).
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/manager ./cmd/webhook

.PHONY: daemon
daemon: ## Build bin/daemon, the node agent (cgo: libseccomp validates profiles).
	source hack/cgo-env.sh && go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/daemon ./cmd/daemon

##@ Test

.PHONY: test
test: deps k8s-binaries $(GINKGO) ## Install what is missing, then run every test.
	hack/test.sh

.PHONY: test-e2e
test-e2e: k8s-binaries ## Run the e2e suite on a real single-node cluster (root).
	hack/test-e2e.sh

.PHONY: test-unit
test-unit: ## Run the tests that need no API server.
	go test $$(go list ./... | grep -v -e /test/ -e /controllers -e /webhooks)

.PHONY: bench
bench: ## Run the benchmarks and scripted measurements (not tests).
	hack/bench.sh

##@ Deployment

OVERLAY ?= config/default
KUBECTL ?= $(shell command -v kubectl 2>/dev/null || echo $(K8S_BIN)/kubectl)
export KUBECTL

.PHONY: deploy
deploy: ## Install the operator into the cluster kubectl points at (OVERLAY=config/<overlay>, default config/default).
	hack/deploy.sh deploy $(OVERLAY)

.PHONY: undeploy
undeploy: ## Remove the operator, its profiles and everything it created from the cluster.
	hack/deploy.sh undeploy $(OVERLAY)

##@ Local cluster

.PHONY: run-local
run-local: k8s-binaries build ## Run a single-node cluster (root) with the operator as pods; Ctrl-C stops it and restores the host.
	hack/run-local.sh

.PHONY: run-local-down
run-local-down: ## Stop a backgrounded run-local and tear the node down.
	hack/run-local.sh down

.PHONY: run-local-processes
run-local-processes: k8s-binaries build local-control-plane ## Quick dev loop: a local control plane with the operator as processes (Ctrl-C stops it).
	hack/run-local-processes.sh

.PHONY: local-control-plane
local-control-plane:
	CGO_ENABLED=0 go build -trimpath -o $(BIN)/local-control-plane ./hack/local-control-plane

.PHONY: run-local-processes-down
run-local-processes-down: ## Stop a backgrounded run-local-processes.
	hack/run-local-processes.sh down

.PHONY: local-cluster-up
local-cluster-up: k8s-binaries ## Bring up a single-node cluster as root (containerd, kubelet, bridge CNI, kube-proxy); kubeconfig in .local/ or SPO_LOCAL_STATE.
	hack/local-cluster.sh up

.PHONY: local-cluster-down
local-cluster-down: ## Stop the local cluster and restore the host (idempotent).
	hack/local-cluster.sh down

##@ Images (no container engine)

LOCAL_STATE ?= $(or $(SPO_LOCAL_STATE),$(CURDIR)/.local)
IMAGES_OUT ?= $(LOCAL_STATE)/images
IMAGES := pause busybox manager webhook daemon

.PHONY: images
images: build ## Write OCI archives of the pause, busybox and operator images into IMAGES_OUT; import them into a running local cluster.
	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o $(BIN)/pause ./hack/images/pause
	go build -trimpath -o $(BIN)/images ./hack/images
	$(BIN)/images -bin $(BIN) -out $(IMAGES_OUT) $(IMAGES)
	SPO_LOCAL_STATE=$(LOCAL_STATE) hack/local-cluster.sh import --if-running $(foreach i,$(IMAGES),$(IMAGES_OUT)/$(i).tar)

##@ Dependencies

.PHONY: deps
deps: ## Install the apt packages the build and tests need.
	hack/deps.sh

.PHONY: k8s-binaries
k8s-binaries: ## Build etcd and the Kubernetes binaries from source (cached by version).
	hack/k8s-binaries.sh all

$(CONTROLLER_GEN): hack/tools/go.mod
	cd hack/tools && GOFLAGS= go build -o $(CONTROLLER_GEN) sigs.k8s.io/controller-tools/cmd/controller-gen

$(GINKGO): go.mod
	GOFLAGS= go build -o $(GINKGO) github.com/onsi/ginkgo/v2/ginkgo

##@ spoc and eBPF recorder

BPF_DIR := recorder/bpf
BPF_CFLAGS := -target bpf -O2 -g -mcpu=v3 -D__TARGET_ARCH_x86 -fdebug-prefix-map=$(CURDIR)=.

.PHONY: bpf
bpf: ## Compile the recorder's BPF object from recorder.bpf.c and the committed vmlinux.h and note its inputs (make verify checks both).
	clang $(BPF_CFLAGS) -I$(BPF_DIR) -c $(BPF_DIR)/recorder.bpf.c -o $(BPF_DIR)/recorder.bpf.o
	llvm-strip -g $(BPF_DIR)/recorder.bpf.o
	hack/bpf-inputs.sh $(BPF_CFLAGS) -I$(BPF_DIR) > $(BPF_DIR)/recorder.bpf.o.inputs

.PHONY: vmlinux
vmlinux: ## Replace the committed vmlinux.h by a dump of the running kernel's BTF (only for kernel types it lacks); run make bpf after.
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $(BPF_DIR)/vmlinux.h.tmp
	mv $(BPF_DIR)/vmlinux.h.tmp $(BPF_DIR)/vmlinux.h

.PHONY: spoc
spoc: ## Build bin/spoc (cgo, libbpf linked statically).
	source hack/cgo-env.sh && go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/spoc ./cmd/spoc
