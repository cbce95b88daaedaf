# tweetviz: the browser the end-to-end tests drive, and the dashboard benchmark.
#
#   make browser          install Debian's chromium when /usr/bin/chromium is missing (CI: a fresh machine)
#   make axe              axe-core from npm into ~/.cache/tweetics/npm/axe-core-VERSION (the accessibility scan)
#   make test-tweetviz    run tests/tweetviz (unit, API on real HDFS, schemathesis, Chromium)
#   make bench-tweetviz   /api/top vs /api/ping throughput and HDFS-to-page update latency
#   make demo-tweetviz    the dashboard alone on a sample output folder (dev server, port 8050)

.PHONY: browser axe wrk test-tweetviz bench-tweetviz demo-tweetviz

# The browser tests read this line for the version (tests/tweetviz/browserkit.py).
AXE_VERSION := 4.10.3
AXE_DIR := $(HOME)/.cache/tweetics/npm/axe-core-$(AXE_VERSION)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser: ## install Debian chromium for the browser tests when missing
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium; }

axe: ## axe-core (npm registry, pinned) for the accessibility scan of the browser tests
	@[ -f $(AXE_DIR)/node_modules/axe-core/axe.min.js ] || \
	  npm install --prefix $(AXE_DIR) --no-save --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)

wrk: ## install Debian's wrk (the HTTP load generator of bench-tweetviz) when missing
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q wrk; }

test-tweetviz: venv browser axe ## tweetviz tests (unit, real HDFS, fuzzing, Chromium)
	$(PY) -m pytest tests/tweetviz $(PYTEST_ARGS)

bench-tweetviz: venv up browser wrk ## tweetviz: API throughput vs a trivial endpoint, HDFS->page latency
	$(PY) -m benchmarks.bench_tweetviz

demo-tweetviz: venv ## the dashboard alone on generated sample data: http://127.0.0.1:8050/
	$(PY) -c 'import time, os; from tweetviz.sample import build_output; \
	  files = build_output(int(time.time()) // 60 * 60, 60, {"OpenStack": 40, "Kubernetes": 31, "k8s": 12, \
	  "Python": 27, "Docker": 22, "AWS": 18, "Azure": 14, "DevOps": 16, "IoT": 9, "BigData": 8, "golang": 7, \
	  "RedHat": 6, "CloudComputing": 6, "API": 10, "Boston": 19, "OpenStackSummit": 11}, batch_id=1, \
	  trends={"OpenStack": 2.2, "AWS": 0.4, "Kubernetes": 1.5}); \
	  [os.makedirs(os.path.dirname(p), exist_ok=True) or open(p, "wb").write(b) \
	   for p, b in ((os.path.join("build/demo-tweetviz", k), v) for k, v in files.items())]'
	$(PY) -m tweetviz serve --server dev --data file://$(CURDIR)/build/demo-tweetviz
