"""Exceptions of tweetics, all under one root so the CLIs can turn them into one clean error line."""


class TweeticsError(Exception):
    """Root of every error tweetics raises on purpose."""


class UsageError(TweeticsError):
    """A bad option value or combination (the user's mistake)."""


class SubmitError(TweeticsError):
    """spark-submit cannot be built or started (no SPARK_HOME, missing connector jars...)."""
