"""Errors of the contract package, all under :class:`ContractError`.

The programs catch these at their edges: a bad record becomes a dead letter (tweetpub) or a counted
bad line (tweetics, tweetviz); an unreadable output folder becomes one error line.
"""

from __future__ import annotations


class ContractError(Exception):
    """Root of every error the contract package raises on purpose."""


class BadTweet(ContractError, ValueError):
    """A parsed JSON object is not a usable tweet; ``reason`` is the short dead-letter reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class BadCountLine(ContractError, ValueError):
    """A counts line or ``latest.json`` that does not follow contract 4; skipped and counted by readers."""


class OutputError(ContractError):
    """An output folder cannot be reached, listed or read (a message fit for one status line)."""


class OutputMissing(OutputError):
    """A file of the output folder is not there (compacted away while reading, or never written)."""


class UsageError(ContractError, ValueError):
    """A value a user gave (a location URL, a duration) cannot be read."""
