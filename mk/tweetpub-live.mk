# Live X API v2 source of tweetpub (tweetpub/live/).

.PHONY: test-live bench-live

test-live: venv ## live-source tests: v2 rules, fake X API stream, record/replay, Kafka (starts the stack if needed)
	$(PY) -m pytest tests/tweetpub_live $(PYTEST_ARGS)

bench-live: venv up ## live stream -> Kafka throughput vs the producer-only anchor (BENCH_LIVE_N tweets, default 20000)
	set -a; . $(STACK_HOME)/env; set +a; $(PY) -m benchmarks.bench_live $(or $(BENCH_LIVE_N),20000)
