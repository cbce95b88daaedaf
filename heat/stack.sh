#!/bin/bash
# Create a Heat stack, or update it when it exists, wait for the result, then print its outputs
# as SPINNAKER_PROPERTY_<key>=<value> lines (a Spinnaker Run Job stage with "capture output from
# logs" turns them into stage outputs).
#
# Usage: stack.sh NAME TEMPLATE ENVIRONMENT [openstack stack create/update options...]
# Credentials: the usual OS_* variables or OS_CLOUD with a clouds.yaml.
set -euo pipefail

if [ "$#" -lt 3 ]; then
    echo "usage: stack.sh NAME TEMPLATE ENVIRONMENT [options...]" >&2
    exit 2
fi
name="$1" template="$2" environment="$3"
shift 3

if openstack stack show "$name" >/dev/null 2>&1; then
    action=update
else
    action=create
fi
echo "stack.sh: ${action} ${name} from ${template} with ${environment}" >&2
openstack stack "$action" --wait -t "$template" -e "$environment" "$@" "$name" >&2

openstack stack show "$name" -f json -c outputs | python3 -c '
import json, sys
for item in json.load(sys.stdin)["outputs"]:
    value = item["output_value"]
    if not isinstance(value, str):
        value = json.dumps(value, separators=(",", ":"))
    print("SPINNAKER_PROPERTY_%s=%s" % (item["output_key"], value))
'
