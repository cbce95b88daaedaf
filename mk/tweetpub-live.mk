# Live X API v2 source of tweetpub (tweetpub/live/).

.PHONY: test-live bench-live test-open bench-open

test-live: venv ## live-source tests: v2 rules, fake X API stream, record/replay, Kafka (starts the stack if needed)
	$(PY) -m pytest tests/tweetpub_live $(PYTEST_ARGS)

bench-live: venv up ## live stream -> Kafka throughput vs the producer-only anchor (BENCH_LIVE_N tweets, default 20000)
	set -a; . $(STACK_HOME)/env; set +a; $(PY) -m benchmarks.bench_live $(or $(BENCH_LIVE_N),20000)

test-open: venv ## Bluesky/Mastodon source tests: local Jetstream and Mastodon servers, record/replay, Kafka
	$(PY) -m pytest tests/tweetpub_open $(PYTEST_ARGS)

bench-open: venv up ## stream --source bluesky from the local Jetstream, filter on, one core -> Kafka vs raw WebSocket receive (BENCH_OPEN_N, default 30000)
	set -a; . $(STACK_HOME)/env; set +a; $(PY) -m benchmarks.bench_open $(or $(BENCH_OPEN_N),30000)
