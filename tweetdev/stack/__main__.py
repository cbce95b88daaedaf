"""``python -m tweetdev.stack``: the local stack's command line."""
import sys

from tweetdev.stack.cli import main

sys.exit(main())
