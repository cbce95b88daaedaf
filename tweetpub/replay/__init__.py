"""The replay wing: recorded tweet files into Kafka.

``reader`` (files, gzip, lines), ``pacing`` (when each tweet is due), ``resume`` (the restart point read
back from the topic), ``progress`` (counters, status display) and ``run`` (:func:`run_replay`, the loop
tying them together and writing through :class:`tweetpub.producer.TweetProducer`).
"""
