"""The all-in-k8s overlay, run for real on the single-node cluster (`make k8s-up`) with the single-node test
component: Kafka forms its 3-node KRaft quorum, the topics Job runs, HDFS leaves safe mode, the demo recording
replayed in the cluster gives final counts equal to the ground truth (read with `tweetics counts` inside the
cluster and through tweetviz's Service from the host) while a broker pod is deleted mid-run, Chromium shows the
cloud through the Service, a rolling restart of tweetviz keeps it answering, and the brokers' EXTERNAL
(SASL_SSL) listener is reached from the host through each broker's NodePort.

One deployment serves the whole module; the namespace is deleted at the end (the cluster stays)."""
from __future__ import annotations

import gzip
import json
import os
import secrets
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.browserhelp import cloud_words
from tests.e2e.harness import expected_envelopes, topic_ids, truth
from tweetdev.harness import eventually_equal, get_json, topic_end_offsets, wait_for
from tweetdev.k8s.layout import NODE_IP

from .conftest import Kube

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.k8s]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "tweetpub" / "data" / "demo.jsonl.gz"
NS = "tweetics"
RATE = 40  # tweets/s: the 2,680 demo tweets take about a minute, long enough to lose a broker mid-run
VIZ_NODEPORT = 31850
EXTERNAL_NODEPORT_BASE = 31090

# The test's own changes to the overlay: tweetpub replays the demo once, filtered like the overlay's replay
# (--resume: a restarted pod sends only what Kafka lacks), and starts at zero replicas (the test scales it
# up once the pipeline is ready); tweetviz gets a NodePort so the host reaches it through a Service.
TEST_PATCH = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: tweetpub
spec:
  replicas: 0
  template:
    spec:
      containers:
        - name: tweetpub
          args: [replay, /recordings/demo.jsonl.gz, --rate, "{RATE}", --resume, --demo-filter,
                 --bootstrap-servers, $(KAFKA_BOOTSTRAP_SERVERS), --topic, $(TOPIC)]
"""
NODEPORT = f"""apiVersion: v1
kind: Service
metadata:
  name: tweetviz-nodeport
spec:
  type: NodePort
  selector:
    app.kubernetes.io/name: tweetviz
    app.kubernetes.io/component: dashboard
  ports:
    - name: http
      port: 8050
      targetPort: http
      nodePort: {VIZ_NODEPORT}
"""

# A one-shot driver in Kubernetes mode (the args of components/spark-on-k8s, with --available-now and an
# output of its own); executors are left after the run (deleteOnTermination=false) for the test to inspect.
SPARK_K8S_JOB = """apiVersion: batch/v1
kind: Job
metadata:
  name: tweetics-k8s
spec:
  backoffLimit: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: spark
        app.kubernetes.io/component: driver-k8s
        app.kubernetes.io/part-of: tweetics
        tweetics.io/kafka-client: "true"
        tweetics.io/kubernetes-api: "true"
    spec:
      serviceAccountName: spark-driver
      automountServiceAccountToken: true
      enableServiceLinks: false
      restartPolicy: Never
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: driver
          image: IMAGE
          imagePullPolicy: Never
          args: [submit, --master, "k8s://https://kubernetes.default.svc:443",
                 --conf, spark.kubernetes.namespace=tweetics,
                 --conf, spark.kubernetes.driver.pod.name=$(POD_NAME),
                 --conf, spark.driver.host=$(POD_IP),
                 --conf, spark.kubernetes.container.image=IMAGE,
                 --conf, spark.kubernetes.container.image.pullPolicy=Never,
                 --conf, spark.kubernetes.executor.podTemplateFile=/etc/spark/executor/executor-pod-template.yaml,
                 --conf, spark.kubernetes.executor.deleteOnTermination=false,
                 --conf, spark.executor.instances=1,
                 --conf, spark.executor.memory=512m,
                 --conf, spark.kubernetes.executor.request.cores=100m,
                 --bootstrap-servers, "kafka:9092", --topic, tweets,
                 --output, "hdfs://hdfs-namenode:8020/tweetics-k8s",
                 --checkpoint, "hdfs://hdfs-namenode:8020/tweetics-k8s-checkpoints",
                 --starting-offsets, earliest, --available-now]
          env:
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
            - {name: SPARK_LOCAL_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
            - {name: SPARK_CONF_DIR, value: /etc/spark/tweetics}
          resources:
            requests: {cpu: 100m, memory: 1Gi}
            limits: {cpu: "1", memory: 2Gi}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
          volumeMounts:
            - {name: config, mountPath: /etc/spark/tweetics}
            - {name: executor-template, mountPath: /etc/spark/executor}
      volumes:
        - {name: config, configMap: {name: spark-config}}
        - {name: executor-template, configMap: {name: spark-executor-pod-template}}
"""


def _relative(target: Path, start: Path) -> str:
    return os.path.relpath(target, start)


@dataclass
class Deployment:
    kube: Kube
    tls: Path  # ca.pem for the EXTERNAL listener
    password: str
    applied_at: float
    want: dict[tuple[str, str, str], int]
    envelopes: list[dict[str, Any]]
    timings: dict[str, float]

    @property
    def viz(self) -> str:
        return f"http://{NODE_IP}:{VIZ_NODEPORT}"

    def client(self, broker: int | None = None) -> dict[str, str]:
        """librdkafka settings for the EXTERNAL listener (one broker's NodePort, or all three)."""
        ports = [EXTERNAL_NODEPORT_BASE + broker] if broker is not None else \
            [EXTERNAL_NODEPORT_BASE + i for i in range(3)]
        return {"bootstrap.servers": ",".join(f"{NODE_IP}:{p}" for p in ports),
                "security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512",
                "sasl.username": "tweetics", "sasl.password": self.password,
                "ssl.ca.location": str(self.tls / "ca.pem")}

    def pod(self, selector: str) -> str:
        return self.kube.run("get", "pods", "-l", selector, "--field-selector=status.phase=Running",
                             "-o", "jsonpath={.items[0].metadata.name}").stdout

    def counts(self, output: str = "/tweetics") -> Any:
        """The job's counts, read with `tweetics counts` in the driver's pod (WebHDFS inside the cluster)."""
        proc = self.kube.exec(self.pod("app.kubernetes.io/component=driver"), "tweetics", "counts",
                              f"hdfs://hdfs-namenode:8020{output}", "--format", "json", "--webhdfs-url",
                              "http://hdfs-namenode:9870", timeout=180)
        if proc.returncode != 0:
            return {"error": proc.stderr[-300:]}
        rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        return {(r["window_start"], r["window_end"], r["hashtag"]): r["count"] for r in rows}


def _tls(folder: Path) -> None:
    """A CA and a broker certificate for the node address the NodePorts answer on."""
    def ssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=tweetics-test-ca")
    ssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "broker.key")
    ssl("req", "-new", "-key", "broker.key", "-out", "broker.csr", "-subj", "/CN=kafka")
    (folder / "san.cnf").write_text(f"subjectAltName=IP:{NODE_IP},DNS:localhost\n")
    ssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "broker.pem", "-days", "2", "-extfile", "san.cnf")


def _ready(kube: Kube, what: str, timeout: int) -> None:
    proc = kube.run("wait", "--for=condition=Ready", "pod", "-l", what, f"--timeout={timeout}s", check=False,
                    timeout=timeout + 30)
    if proc.returncode != 0:
        pods = kube.run("get", "pods", "-o", "wide", check=False).stdout
        events = kube.run("get", "events", "--sort-by=.lastTimestamp", check=False).stdout[-3000:]
        raise AssertionError(f"pods {what} not Ready: {proc.stderr.strip()}\n{pods}\n{events}")


def _complete(kube: Kube, job: str, timeout: int) -> None:
    proc = kube.run("wait", "--for=condition=complete", f"job/{job}", f"--timeout={timeout}s", check=False,
                    timeout=timeout + 30)
    if proc.returncode != 0:
        logs = kube.run("logs", f"job/{job}", "--tail=30", check=False)
        raise AssertionError(f"job {job} did not complete: {proc.stderr.strip()}\n{logs.stdout}{logs.stderr}")


@pytest.fixture(scope="module")
def deployed(k8s_cluster: Path, tmp_path_factory) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("k8s-all-in-k8s")
    (work / "tweetpub-test-patch.yaml").write_text(TEST_PATCH)
    (work / "tweetviz-nodeport-service.yaml").write_text(NODEPORT)
    (work / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: tweetics\n"
        f"resources:\n  - {_relative(ROOT / 'k8s/overlays/all-in-k8s', work)}\n  - tweetviz-nodeport-service.yaml\n"
        f"components:\n  - {_relative(ROOT / 'k8s/components/spark-k8s-access', work)}\n"
        f"  - {_relative(ROOT / 'k8s/components/single-node', work)}\n"
        "patches:\n  - path: tweetpub-test-patch.yaml\n")
    tls = work / "tls"
    tls.mkdir()
    _tls(tls)
    password = secrets.token_hex(16)
    kube = Kube(k8s_cluster, NS)
    rendered = kube.run("kustomize", str(work)).stdout
    assert "kind: Namespace" in rendered
    plain = work / "demo.jsonl"
    plain.write_bytes(gzip.decompress(DEMO.read_bytes()))
    envelopes = expected_envelopes(plain)
    timings: dict[str, float] = {}

    # A namespace an interrupted run left behind goes first (its claims return to the cluster's pool).
    kube.run("delete", "namespace", NS, "--ignore-not-found", "--wait=true", "--timeout=300s", timeout=360)
    started = time.monotonic()
    # The namespace and the two Secrets first, so the brokers start with their EXTERNAL listener and the
    # topics Job makes the SCRAM user (k8s/README.md, "Secrets"); apply leaves their data alone afterwards.
    namespace = next(doc for doc in rendered.split("\n---\n") if "kind: Namespace" in doc)
    kube.run("apply", "-f", "-", stdin=namespace)
    kube.run("create", "secret", "generic", "kafka-external-tls", f"--from-file=tls.crt={tls / 'broker.pem'}",
             f"--from-file=tls.key={tls / 'broker.key'}", f"--from-file=ca.crt={tls / 'ca.pem'}")
    (work / "password").write_text(password)
    kube.run("create", "secret", "generic", "kafka-client-credentials", "--from-literal=username=tweetics",
             f"--from-file=password={work / 'password'}")
    kube.run("apply", "-k", str(work), timeout=300)
    try:
        _ready(kube, "app.kubernetes.io/name=kafka,app.kubernetes.io/component=broker", 900)
        timings["kafka ready"] = time.monotonic() - started
        _complete(kube, "kafka-topics", 600)
        _ready(kube, "app.kubernetes.io/name=hdfs,app.kubernetes.io/component=namenode", 600)
        _complete(kube, "hdfs-init", 600)
        timings["hdfs ready"] = time.monotonic() - started
        _ready(kube, "app.kubernetes.io/name=tweetviz", 600)
        _ready(kube, "app.kubernetes.io/component=driver", 900)
        timings["driver ready"] = time.monotonic() - started
        yield Deployment(kube, tls, password, started, truth(envelopes), envelopes, timings)
    finally:
        print("k8s all-in-k8s:", ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))  # reported, not asserted
        if os.environ.get("TWEETICS_KEEP_K8S_NAMESPACE") != "1":
            kube.run("delete", "namespace", NS, "--wait=true", "--timeout=300s", check=False, timeout=360)


def test_kafka_forms_a_three_node_kraft_quorum_and_the_job_makes_the_topics(deployed: Deployment) -> None:
    kube = deployed.kube
    proc = kube.exec("kafka-0", "java", "-Xmx128m", "-cp", "/opt/kafka/libs/*:/opt/kafka/tools/*",
                     "org.apache.kafka.tools.MetadataQuorumCommand", "--bootstrap-server", "localhost:9092",
                     "describe", "--status", timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    status = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in proc.stdout.splitlines() if ":" in line)}
    assert sorted(v["id"] for v in json.loads(status["CurrentVoters"])) == [0, 1, 2], status
    assert int(status["LeaderId"]) in (0, 1, 2), status
    proc = kube.exec("kafka-0", "kafka-topics.sh", "--bootstrap-server", "localhost:9092", "--describe",
                     "--topic", "tweets", timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    head = proc.stdout.splitlines()[0]
    assert "PartitionCount: 6" in head and "ReplicationFactor: 3" in head and "min.insync.replicas=2" in head, head


def test_hdfs_has_left_safe_mode_with_three_datanodes(deployed: Deployment) -> None:
    proc = deployed.kube.exec("hdfs-namenode-0", "hdfs", "dfsadmin", "-safemode", "get", timeout=120)
    assert "Safe mode is OFF" in proc.stdout, proc.stdout + proc.stderr[-1000:]
    proc = deployed.kube.exec("hdfs-namenode-0", "hdfs", "dfsadmin", "-report", "-live", timeout=120)
    assert "Live datanodes (3)" in proc.stdout, proc.stdout[-1500:] + proc.stderr[-1000:]


def test_replay_in_the_cluster_equals_the_ground_truth_though_a_broker_is_deleted_mid_run(
        deployed: Deployment) -> None:
    kube = deployed.kube
    total = len(deployed.envelopes)
    kube.run("scale", "deployment/tweetpub", "--replicas=1")
    # Mid-run: some tweets are in Kafka, most are still to come.
    sent = wait_for(lambda: (n := topic_end_offsets("", "tweets", deployed.client())) >= total // 5 and n,
                    timeout=600, interval=1, what="tweetpub's first fifth in Kafka")
    assert sent < total, f"the replay was already over ({sent} of {total}) when the broker was to be deleted"
    kube.run("delete", "pod", "kafka-1", "--wait=false")

    # The dashboard goes live (top hashtags through the Service), from `kubectl apply` (reported).
    wait_for(lambda: _top(deployed), timeout=900, interval=2, what="a live cloud at /api/top")
    deployed.timings["apply to a live cloud"] = time.monotonic() - deployed.applied_at
    _ready(kube, "app.kubernetes.io/name=kafka,app.kubernetes.io/component=broker", 600)

    # Kafka holds every expected tweet exactly once (read from the host through the EXTERNAL listener).
    wait_for(lambda: topic_end_offsets("", "tweets", deployed.client()) >= total, timeout=900, interval=5,
             what="every demo tweet in Kafka")
    assert topic_ids("", "tweets", deployed.client()) == Counter(e["id"] for e in deployed.envelopes)

    # The Spark job converges on the truth: nothing lost, nothing counted twice.
    got = eventually_equal(deployed.counts, deployed.want, timeout=900, interval=10)
    assert got == deployed.want
    deployed.timings["apply to final counts"] = time.monotonic() - deployed.applied_at
    top = get_json(f"{deployed.viz}/api/top?window=60&n=20")
    tags = {tag.lower() for (_s, _e, tag) in deployed.want}
    assert top["tags"] and {t["hashtag"].lower() for t in top["tags"]} <= tags, top


def test_chromium_shows_the_cloud_through_the_service(deployed: Deployment) -> None:
    words = _cloud_words(deployed, "k8s-cloud.png")
    tags = {tag.lower() for (_s, _e, tag) in deployed.want}
    assert words and set(words) <= tags, sorted(set(words) - tags)


def test_a_rolling_restart_of_tweetviz_keeps_the_page_live(deployed: Deployment) -> None:
    kube = deployed.kube
    before = set(kube.run("get", "pods", "-l", "app.kubernetes.io/name=tweetviz",
                          "-o", "jsonpath={.items[*].metadata.name}").stdout.split())
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def ping() -> None:
        nonlocal answered
        while not stop.is_set():
            try:
                get_json(f"{deployed.viz}/api/ping", timeout=5, answers=())
                answered += 1
            except (OSError, ValueError) as exc:
                failures.append(repr(exc))
            time.sleep(0.2)

    pinger = threading.Thread(target=ping, daemon=True)
    pinger.start()
    try:
        kube.run("rollout", "restart", "deployment/tweetviz")
        proc = kube.run("rollout", "status", "deployment/tweetviz", "--timeout=600s", check=False, timeout=660)
        assert proc.returncode == 0, proc.stderr
        # The rollout is complete once the new pods are Ready; the old ones are still in their preStop sleep
        # (phase Running, being deleted). The pings go on until they are gone: the page must outlive them.
        gone = kube.run("wait", "--for=delete", *(f"pod/{p}" for p in sorted(before)), "--timeout=300s",
                        check=False, timeout=330)
        assert gone.returncode == 0, gone.stderr
    finally:
        stop.set()
        pinger.join(10)
    after = set(kube.run("get", "pods", "-l", "app.kubernetes.io/name=tweetviz",
                         "--field-selector=status.phase=Running",
                         "-o", "jsonpath={.items[*].metadata.name}").stdout.split())
    assert after and not after & before, (before, after)
    assert answered > 0 and failures == [], failures[:5]
    assert _cloud_words(deployed, "k8s-cloud-after-restart.png")


def test_the_external_listener_is_reached_from_the_host_through_each_brokers_nodeport(
        deployed: Deployment) -> None:
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient(deployed.client())
    futures = admin.create_topics([NewTopic("external-check", num_partitions=3, replication_factor=3)])
    futures["external-check"].result(60)
    leaders: set[int] = set()
    for broker in range(3):
        # Bootstrapped from this broker's NodePort alone: its metadata advertises every broker's NodePort.
        md = AdminClient(deployed.client(broker)).list_topics("external-check", timeout=30)
        assert {b.id: f"{b.host}:{b.port}" for b in md.brokers.values()} == \
            {i: f"{NODE_IP}:{EXTERNAL_NODEPORT_BASE + i}" for i in range(3)}
        leaders |= {p.leader for p in md.topics["external-check"].partitions.values()}
        producer = Producer({**deployed.client(broker), "acks": "all"})
        for partition in range(3):
            producer.produce("external-check", value=f"via-{broker}-p{partition}".encode(), partition=partition)
        assert producer.flush(60) == 0
    assert leaders == {0, 1, 2}  # the partitions' leaders: every broker took writes over its own NodePort
    consumer = Consumer({**deployed.client(), "group.id": f"external-{time.time_ns()}", "enable.auto.commit": False})
    consumer.assign([TopicPartition("external-check", p, 0) for p in range(3)])
    got: set[str] = set()
    deadline = time.monotonic() + 60
    while len(got) < 9 and time.monotonic() < deadline:
        for msg in consumer.consume(20, timeout=1):
            if not msg.error():
                got.add(msg.value().decode())
    consumer.close()
    assert got == {f"via-{b}-p{p}" for b in range(3) for p in range(3)}
    # Control: a wrong password is refused (the listener really checks SCRAM logins).
    wrong = AdminClient({**deployed.client(0), "sasl.password": "not-" + deployed.password})
    with pytest.raises(KafkaException):
        wrong.list_topics(timeout=10)


def test_tweetics_submit_runs_the_job_with_executors_as_pods(deployed: Deployment) -> None:
    """Spark's Kubernetes scheduler: a driver pod runs `tweetics submit --master k8s://...` (client mode) and its
    executors are pods made from components/spark-k8s-access's template; over the topic the previous test
    filled, an --available-now run into its own output gives the same ground truth."""
    kube = deployed.kube
    image = kube.json("get", "deployment", "tweetics")["spec"]["template"]["spec"]["containers"][0]["image"]
    kube.apply(SPARK_K8S_JOB.replace("IMAGE", image))
    try:
        _complete(kube, "tweetics-k8s", 900)
        executors = kube.json("get", "pods", "-l", "spark-role=executor")["items"]
        assert executors, "no executor pod was made"
        assert all(p["spec"]["containers"][0]["image"] == image for p in executors)
        assert all(p["metadata"]["labels"]["app.kubernetes.io/name"] == "spark" for p in executors)
        got = eventually_equal(lambda: deployed.counts("/tweetics-k8s"), deployed.want, timeout=120, interval=10)
        assert got == deployed.want
    finally:
        kube.run("delete", "job", "tweetics-k8s", "--wait=false", check=False)
        kube.run("delete", "pods", "-l", "spark-role=executor", "--wait=false", check=False)


def _top(deployed: Deployment) -> bool:
    try:
        return bool(get_json(f"{deployed.viz}/api/top?window=60&n=5")["tags"])
    except (OSError, ValueError, KeyError):
        return False


def _cloud_words(deployed: Deployment, shot: str) -> list[str]:
    return cloud_words(f"{deployed.viz}/", shot)
