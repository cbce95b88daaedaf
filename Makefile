# The two commands a new user runs are `make demo` and `make test`; each does all of its own setup.
# Everything downloaded (venv, jars, browser) lands in ignored folders: .venv/, .cache/, .stack/, build/.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV_DIR := .venv
PY := $(VENV_DIR)/bin/python
VENV := $(VENV_DIR)/.installed
STACK := $(PY) -m tweetdev.stack
# Where the launcher keeps data, logs and the env file: $STACK_DIR when set, else .stack (its own default).
STACK_HOME = $(or $(STACK_DIR),.stack)
BROKERS ?= 1
SPARK ?= local
PYTEST_ARGS ?=
export BROKERS SPARK

.PHONY: help venv jars up status down clean-stack test test-unit demo

# Documented targets: `target: prerequisites ## text`, or a `## target: text` line (for a rule whose
# prerequisites are long). tests/docs checks that every rule is listed.
help: ## list the targets
	@awk '/^[a-zA-Z0-9_.-]+:[^=]*## /{t=$$0; sub(/:.*/, "", t); d=$$0; sub(/^[^#]*## /, "", d); print t "\t" d; next} \
	      /^## [a-zA-Z0-9_.-]+: /{t=$$2; sub(/:$$/, "", t); d=$$0; sub(/^## [^ ]+ /, "", d); print t "\t" d}' \
	  $(MAKEFILE_LIST) | sort -u -t$$'\t' -k1,1 | awk -F'\t' '{printf "  make %-20s %s\n", $$1, $$2}'

$(VENV): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || \
	  { echo "error: Python 3.11 or newer is needed as $(PYTHON) (set PYTHON=/path/to/python3.11)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV_DIR)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

venv: $(VENV) ## create .venv and install the suite with its dev extra

jars: venv ## fetch the pinned Kafka, Hadoop and Spark connector jars into .cache/jars
	$(STACK) fetch

up: venv ## start Kafka + HDFS (+ Spark with SPARK=standalone) on 127.0.0.1; BROKERS=3 for a 3-node KRaft cluster
	$(STACK) up --brokers $(BROKERS) --spark $(SPARK) $(if $(filter 1 true yes,$(SECURE)),--secure)

status: venv ## show which local daemons run
	@$(STACK) status

down: venv ## stop the local daemons (data is kept)
	@$(STACK) down

clean-stack: down ## stop the stack and wipe its data and logs
	rm -rf $(STACK_HOME)

# `TEST_K8S=no make test` leaves the cluster tests out (e.g. when PYTEST_ARGS names one area).
TEST_K8S ?= yes

test: venv browser axe docker-engine test-containers ## run every test against real Kafka, HDFS, Spark and Chromium (starts the stack if needed), then the Kubernetes cluster's (make test-k8s)
	$(PY) -m pytest -m 'not k8s' $(PYTEST_ARGS)
	@# Last, in a session of its own: the cluster's pods need the cores the local stack held (its session stops it).
	$(if $(filter yes,$(TEST_K8S)),$(MAKE) --no-print-directory test-k8s)

test-unit: venv ## the tests that need no services
	$(PY) -m pytest -m 'not integration' $(PYTEST_ARGS)

-include mk/*.mk

demo: venv ## the whole pipeline on the local stack: replay (or SOURCE=bluesky|mastodon|x live) -> Kafka -> Spark -> HDFS -> live tag cloud; Ctrl-C stops it
	$(PY) -m tweetdev.demo $(if $(SOURCE),--source $(SOURCE))
