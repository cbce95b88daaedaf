# Containers: the Docker engine, the Compose v2 plugin and the images, all from what our machines reach
# (Debian's packages, PyPI, Maven Central, the Go module proxy; no image registry).
#
#   make docker-engine    a Docker engine that answers: Debian's docker.io installed and dockerd started
#                         when none answers (root only); one started here stops when the make that
#                         started it ends
#   make compose-plugin   Docker Compose v2 as a CLI plugin (~/.docker/cli-plugins/docker-compose), built
#                         from the Go module proxy with the local Go, cached in ~/.cache/tweetics/compose
#   make images           the base (debootstrap + docker import when no registry gives debian:bookworm-slim)
#                         and the kafka, hadoop, tweetpub, tweetviz and tweetics images (deploy/docker)
#   make test-containers  the stack, tweetpub and tweetics integration tests on the testcontainers path
#                         (TWEETICS_SERVICES=containers); `make test` runs it first, then its own session
#                         (launcher path) runs everything else, tests/containers (images, compose) included

COMPOSE_VERSION := v2.40.3
TWEETICS_CACHE ?= $(HOME)/.cache/tweetics
COMPOSE_BIN := $(TWEETICS_CACHE)/compose/$(COMPOSE_VERSION)/docker-compose
DOCKER_LOG ?= /tmp/tweetics-dockerd.log

.PHONY: docker-engine compose-plugin images test-containers

docker-engine: ## a Docker engine that answers (installs Debian's docker.io and starts dockerd when root)
	@if docker info >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "error: no Docker engine answers and only root can install or start one (run as root, or start dockerd)" >&2; exit 2; fi; \
	command -v dockerd >/dev/null || { echo "==> installing Debian's docker.io"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null; }; }; \
	echo "==> starting dockerd (log: $(DOCKER_LOG))"; \
	nohup dockerd >$(DOCKER_LOG) 2>&1 & dpid=$$!; \
	for i in $$(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done; \
	docker info >/dev/null 2>&1 || { echo "error: dockerd did not answer; see $(DOCKER_LOG)" >&2; exit 2; }; \
	makepid=$$PPID; \
	( while kill -0 $$makepid 2>/dev/null; do sleep 5; done; kill $$dpid ) >/dev/null 2>&1 </dev/null & disown

$(COMPOSE_BIN):
	@echo "==> building Docker Compose $(COMPOSE_VERSION) from the Go module proxy"
	@set -e; src=$$(mktemp -d); \
	dir=$$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json github.com/docker/compose/v2@$(COMPOSE_VERSION) \
	  | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'); \
	cp -r $$dir/. $$src && chmod -R u+w $$src && mkdir -p $(@D) && \
	cd $$src && GOTOOLCHAIN=local go build -trimpath \
	  -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$(COMPOSE_VERSION)" -o $@.part ./cmd; \
	mv $@.part $@; rm -rf $$src

compose-plugin: $(COMPOSE_BIN) ## Docker Compose v2 as a CLI plugin, built from the Go module proxy (cached)
	@mkdir -p $(HOME)/.docker/cli-plugins
	@ln -sf $(COMPOSE_BIN) $(HOME)/.docker/cli-plugins/docker-compose
	@docker compose version

images: docker-engine jars ## build the base, kafka, hadoop, tweetpub, tweetviz and tweetics images (sizes printed)
	@$(STACK) fetch kafka-tools  # the kafka image carries kafka-topics.sh's classes too; `jars` fetches only the stack's
	@deploy/docker/build-images $(IMAGES)

test-containers: venv images compose-plugin ## the stack, tweetpub and tweetics integration tests on the testcontainers path (our images)
	TWEETICS_SERVICES=containers $(PY) -m pytest -m integration tests/stack tests/tweetpub tests/tweetics $(PYTEST_ARGS)

