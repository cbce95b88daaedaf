# tweetpub targets (included by the main Makefile).
KAFKA_TOOLS_JARS := $(CURDIR)/.cache/jars/kafka-tools
BENCH_TWEETPUB_COUNT ?= 100000

.PHONY: bench-tweetpub tweetpub-demo-data

## bench-tweetpub: replay N generated tweets vs Kafka's ProducerPerformance (same tweets, same settings)
bench-tweetpub: venv up
	$(STACK) fetch kafka-tools
	. .stack/env && $(PY) -m tweetpub.bench --count $(BENCH_TWEETPUB_COUNT) --jars '$(KAFKA_TOOLS_JARS)/*'

## tweetpub-demo-data: regenerate the committed demo recording (deterministic)
tweetpub-demo-data: venv
	$(PY) -m tweetpub generate -n 3000 --seed 2017 --malformed 12 -o tweetpub/data/demo.jsonl.gz
