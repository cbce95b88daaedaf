"""Launcher for the local single-host stack: real Kafka (KRaft), HDFS and Spark daemons on 127.0.0.1.

No Docker needed: the daemons run from Apache's jars fetched from Maven Central (deploy/local/maven/).
Run it as ``python -m tweetdev.stack up|status|down|fetch`` (``make up|status|down|jars``).
"""
