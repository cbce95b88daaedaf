"""``python -m tweetviz``."""

from .cli import main

main()
