"""Exceptions of the tweetviz dashboard, all under one root."""


class TweetvizError(Exception):
    """Root of every error tweetviz raises on purpose."""


class ConfigError(TweetvizError):
    """A configuration value or CLI flag is unusable (a user mistake)."""


class ValidationError(TweetvizError):
    """A query parameter is missing or invalid; rendered as HTTP 400."""
