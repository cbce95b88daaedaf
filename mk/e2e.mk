# Whole-pipeline targets (issue 7): the fault-injection suite and the latency/capacity benchmark.
.PHONY: faults bench-e2e

faults: venv ## the fault-injection suite on private stacks; prints the table (fault, recovery, lost, duplicated)
	$(PY) -m pytest tests/e2e/test_faults.py -p no:cacheprovider -q

bench-e2e: venv up browser ## highest sustained rate at a 1 s trigger (warm, cold, one CPU), latency p50/p95/p99 at it, CPU-s per 1,000 tweets
	$(PY) -m benchmarks.bench_e2e $(BENCH_E2E_ARGS)
