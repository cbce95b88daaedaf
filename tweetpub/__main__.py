"""Allow ``python -m tweetpub``."""

from tweetpub.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
