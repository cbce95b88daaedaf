"""tweetics: the processing tier. A Spark Structured Streaming job counting hashtags per event-time window.

The job (:mod:`tweetics.job`) reads tweetpub's Kafka topic and keeps running and final counts on HDFS in the
layout of docs/contracts.md section 4; :mod:`tweetics.cli` submits it and reads the counts back.
"""

__version__ = "0.1.0"
