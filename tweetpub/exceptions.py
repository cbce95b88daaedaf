"""Exceptions of tweetpub, all under one root so the CLI can turn them into one clean error line."""


class TweetpubError(Exception):
    """Root of every error tweetpub raises on purpose."""


class UsageError(TweetpubError):
    """A bad option value or combination (the user's mistake)."""


class SourceError(TweetpubError):
    """An input file cannot be opened or read at all."""


class KafkaUnavailable(TweetpubError):
    """The brokers cannot be reached or refuse the client."""


class DeliveryError(TweetpubError):
    """Records were not acknowledged by Kafka before the run ended."""


class LiveSourceError(TweetpubError):
    """The live X API source failed: API unreachable, rules refused, stream gave up retrying."""


class CredentialsError(LiveSourceError, UsageError):
    """No bearer token, an unreadable token file, or a rejected token: the user's to fix (never contains it)."""


class RuleLimitError(UsageError):
    """The v2 rules needed for --track/--locations exceed the access level's limits."""
