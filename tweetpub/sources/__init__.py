"""Tweet sources: recorded files (replay) and the live X API v2 filtered stream (live)."""
