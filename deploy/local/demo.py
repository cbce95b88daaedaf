#!/usr/bin/env python3
"""Entry point of `make demo`; see `python deploy/local/demo.py --help`."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from localstack.demo import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
