"""The one exception the cluster launcher raises for a problem a user can fix; the CLI prints it as one line."""


class ClusterError(Exception):
    """A user-facing failure: not root, cgroup trouble, a busy port, a build or a daemon that failed."""
