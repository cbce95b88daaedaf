"""Exceptions of the tweetviz dashboard, all under one root."""


class TweetvizError(Exception):
    """Root of every error tweetviz raises on purpose."""


class ConfigError(TweetvizError):
    """A configuration value or CLI flag is unusable (a user mistake)."""


class SourceError(TweetvizError):
    """The data source (WebHDFS or a local folder) failed or timed out."""


class DataError(TweetvizError):
    """TweeTics output that does not follow the contract (docs/contracts.md section 4)."""


class ValidationError(TweetvizError):
    """A query parameter is missing or invalid; rendered as HTTP 400."""
