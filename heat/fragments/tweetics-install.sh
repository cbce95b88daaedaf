#!/bin/bash
# cloud-init on Spark nodes: the TweeTics package in its own virtualenv. Executors run its
# Python code too, so every node gets it, not only the driver.
set -euo pipefail
# shellcheck source=/dev/null
. /etc/tweetics/node.env

python3 -m venv /opt/tweetics/venv
pip_args=(--quiet --no-cache-dir)
if [ -n "$PIP_INDEX_URL" ]; then
    pip_args+=(--index-url "$PIP_INDEX_URL")
fi
# The wheel from tweetics_wheel_url (built from this repository; tweetics-suite is not on PyPI);
# its dependencies come from PyPI or PIP_INDEX_URL.
/opt/tweetics/venv/bin/pip install "${pip_args[@]}" "$TWEETICS_WHEEL_URL"
/opt/tweetics/venv/bin/tweetics --help >/dev/null
# `tweetics submit` (the driver, run as user spark) zips the job's packages into TWEETICS_CACHE_DIR.
install -d -o spark -g spark /var/cache/tweetics
