"""The one exception type the launcher raises for problems a user can fix; the CLI prints it as one line."""


class StackError(Exception):
    """A user-facing failure: missing Java/Maven, a busy port, a daemon that died."""
