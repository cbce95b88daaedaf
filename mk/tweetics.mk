# tweetics targets (included by the main Makefile).
BENCH_TWEETICS_ARGS ?=

.PHONY: bench-tweetics test-tweetics

bench-tweetics: venv up ## TweeTics vs pyspark's structured_kafka_wordcount.py query on the same topic (+ sustained rate, file count after an hour)
	. $(STACK_HOME)/env && $(PY) -m benchmarks.bench_tweetics $(BENCH_TWEETICS_ARGS)

test-tweetics: venv ## the tweetics tests (the integration ones use the local stack)
	$(PY) -m pytest -q tests/tweetics $(PYTEST_ARGS)
