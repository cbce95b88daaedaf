"""The live wing: the X API v2 filtered stream, into Kafka (``stream``) or to files (``record``).

``rules`` (v1.1 track/locations as v2 rules) and ``rulesync`` (putting them on the stream),
``credentials`` (the bearer token, kept out of logs), ``client`` (tweepy's StreamingClient with X's
backoff), ``routing`` (stream lines to tweet pages or dead letters), ``run`` (rule sync, streaming and
supervision, shared by both commands), ``stream`` (the Kafka sink over :class:`tweetpub.producer.TweetProducer`)
and ``record`` (rotating gzip files that ``replay`` reads).

The open networks (``--source bluesky|mastodon``): ``jetstream`` (Bluesky's Jetstream over WebSocket, cursor
rewind), ``mastodon`` (Mastodon's streaming API over server-sent events), ``openrun`` (what they share:
dedup by post identity, the track/lang filter, the supervisor), ``opensinks`` (their Kafka and record sinks)
and ``openoptions`` (their command-line flags).
"""
