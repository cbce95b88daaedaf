# tweetics targets (included by the main Makefile).
BENCH_TWEETICS_ARGS ?=

.PHONY: bench-tweetics test-tweetics

## bench-tweetics: TweeTics vs pyspark's structured_kafka_wordcount.py query on the same topic (+ sustained rate, file count after an hour)
bench-tweetics: venv up
	. .stack/env && $(PY) benchmarks/bench_tweetics.py $(BENCH_TWEETICS_ARGS)

## test-tweetics: the tweetics tests (the integration ones use the local stack)
test-tweetics: venv
	$(PY) -m pytest -q tests/tweetics $(PYTEST_ARGS)
