"""tweetpub: the ingest tier. Replays recorded tweet files (or the live X API v2 filtered stream) into Kafka."""

__version__ = "0.1.0"
