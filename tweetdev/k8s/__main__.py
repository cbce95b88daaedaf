"""``python -m tweetdev.k8s``: the local Kubernetes cluster's command line."""
import sys

from tweetdev.k8s.cli import run

sys.exit(run())
