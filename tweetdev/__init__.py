"""The suite's dev wing: what developing, testing and benchmarking TweeTics needs, and no program ships.

- ``tweetdev.stack``: the local stack launcher (real Kafka, HDFS and Spark daemons on 127.0.0.1), ``python -m tweetdev.stack``
- ``tweetdev.demo``: ``make demo``, the whole pipeline on the local stack, ``python -m tweetdev.demo``
- ``tweetdev.pipeline``: tweetpub, tweetics and tweetviz as process groups (the demo, the end-to-end tests, bench-e2e)
- ``tweetdev.services``: where the tests' Kafka, HDFS and Spark come from (env, testcontainers, the launcher)
- ``tweetdev.harness``: helpers the tests and the benchmarks share (a pipeline run, polling, HDFS writes)
- ``tweetdev.fakestream``: a local stand-in for the X API v2 filtered stream (the live tests and bench-live)
"""
