"""TweeTics' output on HDFS (contract 4): what tweetics writes and tweetviz and ``tweetics counts`` read.

* :mod:`.layout`: folder and file names, hour partitions;
* :mod:`.counts`: the counts line (one validation rule), JSON lines, the resolution rule;
* :mod:`.latest`: ``latest.json``, built and parsed in one place;
* :mod:`.reader`: one reader for ``file://``, ``hdfs://`` and ``webhdfs://`` locations.
"""
