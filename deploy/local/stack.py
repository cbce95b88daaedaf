#!/usr/bin/env python3
"""Entry point of the local stack launcher; see `python deploy/local/stack.py --help`."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from localstack.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
