"""The ground floor every stage stands on: the contracts of docs/contracts.md, in code.

* :mod:`tweetcontract.defaults`: the demo's tracked words and box, topic names;
* :mod:`tweetcontract.times`: tweet timestamps (v1.1 and ISO-8601) and the output's UTC times;
* :mod:`tweetcontract.dialects` and :mod:`tweetcontract.decode`: recorded lines to tweets;
* :mod:`tweetcontract.hashtags`: the one set of hashtag rules (Python reference, Java-compatible pattern);
* :mod:`tweetcontract.envelope`: the Kafka record and the dead letter (tweetpub -> tweetics);
* :mod:`tweetcontract.output`: the HDFS output (tweetics -> tweetviz): layout, counts lines,
  the resolution rule, ``latest.json`` and one reader for ``file://``, ``hdfs://`` and ``webhdfs://``.

It imports none of the three programs and needs only light dependencies (orjson, regex, and for the
reader requests and hdfs), so each program's image installs it without the others' dependencies.
"""

__version__ = "0.2.0"
