"""A known recording replayed through the running pipeline (tweetpub -> Kafka -> spark-submit'ed TweeTics ->
HDFS -> Tweetviz) gives final counts equal to the ground truth: in HDFS, in `tweetics counts` and in /api/top."""
import pytest

from tests.e2e.harness import cli_counts, expected_envelopes, generate, hdfs_counts, topic_ids, totals, truth
from tweetdev.harness import eventually_equal, free_port, get_json

pytestmark = pytest.mark.integration


def test_recording_through_pipeline_equals_ground_truth(run, hdfs_client, tmp_path):
    recording = generate(tmp_path / "known.jsonl", count=1500, duration_s=600, seed=7, malformed=5)
    envelopes = expected_envelopes(recording)
    want = truth(envelopes)
    assert len(envelopes) > 1000 and len(want) > 100  # the recording exercises the pipeline for real

    port = free_port()
    run.start_job(trigger="1 second")
    run.start_viz(port)
    run.replay(recording, rate=600)
    assert run.pipeline.wait("tweetpub", timeout=180) == 0, run.pipeline.log_dir

    # Kafka holds each expected tweet exactly once (the dead letters went to the .dlq topic).
    ids = topic_ids(run.env["KAFKA_BOOTSTRAP_SERVERS"], run.topic)
    assert ids == {e["id"]: 1 for e in envelopes}

    # `tweetics counts` converges on the truth once the job has drained the topic.
    assert eventually_equal(lambda: cli_counts(run.output, run.env), want, timeout=300) == want
    # The files on HDFS, read and resolved independently of tweetics' own reader, say the same.
    assert hdfs_counts(hdfs_client, run.root) == want

    # The dashboard's top hashtags over the last hour (the recording spans 10 minutes) are the truth's totals.
    want_totals = totals(want)
    ranked = sorted(want_totals.items(), key=lambda kv: (-kv[1], kv[0]))

    top = lambda: [(t["hashtag"], t["count"]) for t in get_json(f"http://127.0.0.1:{port}/api/top?window=60&n=50")["tags"]]
    assert eventually_equal(top, ranked[:50], timeout=60, interval=1) == ranked[:50]
    assert get_json(f"http://127.0.0.1:{port}/api/health")["status"] == "ok"
