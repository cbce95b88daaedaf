"""Schemathesis fuzzing of the API from its shipped OpenAPI file (in-process WSGI, real local data)."""

from __future__ import annotations

import atexit
import shutil
import tempfile

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tweetviz import create_app
from tweetviz.sample import build_output

from .helpers import minute_now, write_local

_ROOT = tempfile.mkdtemp(prefix="tweetviz-fuzz-")
atexit.register(shutil.rmtree, _ROOT, True)
write_local(_ROOT, build_output(minute_now(), 30, {"OpenStack": 9, "K8s": 4, "<b>x</b>": 1, "Ünïcödé": 2},
                                batch_id=2))
APP = create_app({"DATA": f"file://{_ROOT}", "START_REFRESHER": False, "TESTING": True,
                  "STREAM_MAX_SECONDS": 0.05, "STREAM_HEARTBEAT": 0.05})
APP.extensions["tweetviz"].store.refresh_once(force_scan=True)

schema = schemathesis.openapi.from_wsgi("/openapi.yaml", APP)

# Both generation modes run (schemathesis' default): valid inputs must conform, invalid ones get a 4xx.
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance,
          negative_data_rejection]


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_file(case):
    # No refresher thread runs here: check the data path now, or /api/health would (rightly) answer 503
    # "no successful check for N s", which the server-error check counts as a failure.
    APP.extensions["tweetviz"].store.refresh_once(force_scan=True)
    case.call_and_validate(checks=CHECKS)
