# tweetpub targets (included by the main Makefile).
KAFKA_TOOLS_JARS := $(CURDIR)/.cache/jars/kafka-tools
BENCH_TWEETPUB_COUNT ?= 100000

.PHONY: bench-tweetpub tweetpub-demo-data test-tweetpub

bench-tweetpub: venv up ## replay N generated tweets vs Kafka's ProducerPerformance (same tweets, same settings)
	$(STACK) fetch kafka-tools
	. $(STACK_HOME)/env && $(PY) -m benchmarks.bench_tweetpub --count $(BENCH_TWEETPUB_COUNT) --jars '$(KAFKA_TOOLS_JARS)/*'

test-tweetpub: venv ## the tweetpub tests (the integration ones use the local stack)
	$(PY) -m pytest -q tests/tweetpub $(PYTEST_ARGS)

tweetpub-demo-data: venv ## regenerate the committed demo recording (deterministic)
	$(PY) -m tweetpub generate -n 3000 --seed 2017 --malformed 12 -o tweetpub/data/demo.jsonl.gz
