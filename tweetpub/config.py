"""tweetpub's own defaults; the ones every stage shares live in :mod:`tweetcontract.defaults`."""

from __future__ import annotations

#: Longest line accepted; longer lines are dead-lettered. Keeps every record under the broker's
#: default message.max.bytes (1 MiB) with room for the envelope.
DEFAULT_MAX_LINE_BYTES = 512 * 1024

#: Producer defaults: throughput-oriented batching, safe delivery.
DEFAULT_LINGER_MS = 20
DEFAULT_BATCH_SIZE = 262144
DEFAULT_COMPRESSION = "lz4"
