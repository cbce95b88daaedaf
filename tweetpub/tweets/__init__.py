"""Pure tweet rules shared by tweetpub, tweetics and tweetviz: dialects, hashtags, filters, envelope.

Nothing in this package does I/O; tweetics (Spark) and tweetviz import :mod:`tweetpub.tweets.hashtags`.
"""
