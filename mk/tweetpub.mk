# tweetpub targets (included by the main Makefile).
KAFKA_TOOLS_JARS := $(CURDIR)/.cache/jars/kafka-tools
BENCH_TWEETPUB_COUNT ?= 100000

.PHONY: bench-tweetpub tweetpub-demo-data

$(KAFKA_TOOLS_JARS)/.done: deploy/local/maven/kafka-tools/pom.xml
	mkdir -p $(KAFKA_TOOLS_JARS)
	mvn -B -q -f deploy/local/maven/kafka-tools/pom.xml org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$(KAFKA_TOOLS_JARS)
	touch $@

## bench-tweetpub: replay N generated tweets vs Kafka's ProducerPerformance (same tweets, same settings)
bench-tweetpub: venv up $(KAFKA_TOOLS_JARS)/.done
	. .stack/env && $(PY) -m tweetpub.bench --count $(BENCH_TWEETPUB_COUNT) --jars '$(KAFKA_TOOLS_JARS)/*'

## tweetpub-demo-data: regenerate the committed demo recording (deterministic)
tweetpub-demo-data: venv
	$(PY) -m tweetpub generate -n 3000 --seed 2017 --malformed 12 -o tweetpub/data/demo.jsonl.gz
