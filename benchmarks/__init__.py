"""The benchmarks, one module per target (``make bench-*``); run from the repo root as ``python -m benchmarks.<name>``.

They import only installed packages (the programs, tweetcontract, tweetdev) and benchmarks.benchlib, never tests.
"""
