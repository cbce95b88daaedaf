"""One source of truth: deploy/settings.env. compose, Kubernetes, Heat, the Spinnaker pipeline,
the Dockerfiles, pyproject.toml and the local stack's Maven poms must all agree with it."""

from __future__ import annotations

import json
import re
import tomllib
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import yaml

from .conftest import ROOT, read_env_file
from .heat_model import ENVIRONMENTS, TEMPLATES, environment, template
from .k8s_model import containers, pod_spec, workloads

PORT_KEYS = ["KAFKA_CLIENT_PORT", "KAFKA_CONTROLLER_PORT", "KAFKA_EXTERNAL_PORT", "HDFS_NAMENODE_RPC_PORT",
             "HDFS_NAMENODE_HTTP_PORT", "HDFS_DATANODE_HTTP_PORT", "HDFS_DATANODE_DATA_PORT",
             "HDFS_DATANODE_IPC_PORT", "SPARK_MASTER_PORT", "SPARK_MASTER_UI_PORT", "SPARK_WORKER_PORT",
             "SPARK_WORKER_UI_PORT", "SPARK_DRIVER_PORT", "SPARK_BLOCKMANAGER_PORT", "TWEETVIZ_PORT"]


def _pom_property(component: str, prop: str) -> str:
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    root = ET.parse(ROOT / "deploy" / "local" / "maven" / component / "pom.xml").getroot()
    node = root.find(f"m:properties/m:{prop}", ns)
    assert node is not None, f"{component}/pom.xml has no {prop}"
    return node.text.strip()


def _connector_coordinates(s: dict[str, str]) -> list[str]:
    scala, spark = s["SCALA_BINARY_VERSION"], s["SPARK_VERSION"]
    return [f"org.apache.spark:spark-sql-kafka-0-10_{scala}:{spark}",
            f"org.apache.spark:spark-token-provider-kafka-0-10_{scala}:{spark}",
            f"org.apache.kafka:kafka-clients:{s['SPARK_KAFKA_CLIENTS_VERSION']}",
            f"org.apache.commons:commons-pool2:{s['COMMONS_POOL2_VERSION']}"]


def test_settings_are_self_consistent(settings) -> None:
    s = settings
    assert s["DLQ_TOPIC"] == s["TOPIC"] + ".dlq"  # contracts.md: <topic>.dlq
    assert s["KAFKA_IMAGE"] == f"{s['IMAGE_REPOSITORY']}/kafka:{s['KAFKA_VERSION']}"
    assert s["HADOOP_IMAGE"] == f"{s['IMAGE_REPOSITORY']}/hadoop:{s['HADOOP_VERSION']}"
    assert s["PYTHON_IMAGE"].startswith(f"python:{s['PYTHON_VERSION']}.")
    for component in ("tweetpub", "tweetics", "tweetviz", "deployer"):
        assert s[f"{component.upper()}_IMAGE"] == f"{s['IMAGE_REPOSITORY']}/{component}:{s['APP_VERSION']}"
    assert all(s[k].isdigit() for k in PORT_KEYS)
    assert len({s[k] for k in PORT_KEYS}) == len(PORT_KEYS), "two services on one port"
    assert int(s["KAFKA_MIN_INSYNC_REPLICAS"]) < int(s["KAFKA_REPLICATION_FACTOR"])


def test_versions_agree_with_maven_poms_and_pyproject(settings) -> None:
    assert _pom_property("kafka", "kafka.version") == settings["KAFKA_VERSION"]
    assert _pom_property("kafka-tools", "kafka.version") == settings["KAFKA_VERSION"]
    assert _pom_property("hadoop", "hadoop.version") == settings["HADOOP_VERSION"]
    assert _pom_property("spark-kafka", "spark.version") == settings["SPARK_VERSION"]
    pom = (ROOT / "deploy/local/maven/spark-kafka/pom.xml").read_text()
    assert f"spark-sql-kafka-0-10_{settings['SCALA_BINARY_VERSION']}" in pom
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # pyspark is the tweetics extra (what the Spark image installs), pinned to the connector's Spark.
    assert f"pyspark=={settings['SPARK_VERSION']}" in project["optional-dependencies"]["tweetics"]
    assert project["version"] == settings["APP_VERSION"]
    assert project["requires-python"] == f">={settings['PYTHON_VERSION']}"


@pytest.mark.integration
def test_connector_versions_match_what_the_local_stack_resolved(settings, spark_kafka_jars: str) -> None:
    """The spark-kafka pom pins only Spark; its transitive kafka-clients and commons-pool2 are
    what Maven resolved for the local stack, and must be the versions the images and VMs ship."""
    names = {jar.rsplit("/", 1)[-1] for jar in spark_kafka_jars.split(",")}
    for coordinate in _connector_coordinates(settings):
        _group, artifact, version = coordinate.split(":")
        assert f"{artifact}-{version}.jar" in names, f"{artifact}-{version}.jar not in {sorted(names)}"


def test_compose_agrees(settings) -> None:
    s = settings
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    svc = compose["services"]
    assert svc["kafka"]["image"] == svc["kafka-topics"]["image"] == s["KAFKA_IMAGE"]
    assert svc["namenode"]["image"] == svc["datanode"]["image"] == s["HADOOP_IMAGE"]
    for name in ("spark-master", "spark-worker", "tweetics"):
        assert svc[name]["image"] == s["TWEETICS_IMAGE"]
    assert svc["tweetpub"]["image"] == s["TWEETPUB_IMAGE"]
    assert svc["tweetviz"]["image"] == s["TWEETVIZ_IMAGE"]
    kafka_env = svc["kafka"]["environment"]
    assert kafka_env["KAFKA_LISTENERS"] == (f"PLAINTEXT://:{s['KAFKA_CLIENT_PORT']},CONTROLLER://:{s['KAFKA_CONTROLLER_PORT']},"
                                          f"EXTERNAL://:{s['KAFKA_EXTERNAL_PORT']}")
    assert kafka_env["CLUSTER_ID"] == _k8s_cluster_id()
    init_script = (svc["hdfs-init"].get("command") or svc["hdfs-init"]["entrypoint"])[-1]
    assert f"-mkdir -p {s['HDFS_OUTPUT_PATH']} {s['HDFS_CHECKPOINT_PATH']}" in init_script
    topics_script = svc["kafka-topics"]["entrypoint"][-1]
    assert f"for topic in {s['TOPIC']} {s['DLQ_TOPIC']};" in topics_script
    nn = f"hdfs://namenode:{s['HDFS_NAMENODE_RPC_PORT']}"
    assert _flag(svc["tweetics"]["command"], "--topic") == s["TOPIC"]
    assert _flag(svc["tweetics"]["command"], "--master") == f"spark://spark-master:{s['SPARK_MASTER_PORT']}"
    assert _flag(svc["tweetics"]["command"], "--bootstrap-servers") == f"kafka:{s['KAFKA_CLIENT_PORT']}"
    assert _flag(svc["tweetics"]["command"], "--output") == nn + s["HDFS_OUTPUT_PATH"]
    assert _flag(svc["tweetics"]["command"], "--checkpoint") == nn + s["HDFS_CHECKPOINT_PATH"]
    assert _flag(svc["tweetpub"]["command"], "--topic") == s["TOPIC"]
    assert svc["tweetviz"]["environment"]["TWEETVIZ_DATA"] == \
        f"webhdfs://namenode:{s['HDFS_NAMENODE_HTTP_PORT']}{s['HDFS_OUTPUT_PATH']}"
    # The host side moves with TWEETVIZ_HOST_PORT (beside a local stack); it defaults to the setting.
    assert svc["tweetviz"]["ports"] == [f"127.0.0.1:${{TWEETVIZ_HOST_PORT:-{s['TWEETVIZ_PORT']}}}:{s['TWEETVIZ_PORT']}"]
    assert _flag(svc["spark-master"]["command"], "--port") == s["SPARK_MASTER_PORT"]
    assert _flag(svc["spark-master"]["command"], "--webui-port") == s["SPARK_MASTER_UI_PORT"]
    assert _flag(svc["spark-worker"]["command"], "--port") == s["SPARK_WORKER_PORT"]
    _check_hadoop_xml(compose["configs"]["hdfs-site"]["content"], s)
    _check_spark_defaults(compose["configs"]["spark-defaults"]["content"], s)


def _flag(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def _check_hadoop_xml(text: str, s: dict[str, str]) -> None:
    props = dict(re.findall(r"<name>([^<]+)</name><value>([^<]*)</value>", text))
    assert props["dfs.datanode.address"].endswith(f":{s['HDFS_DATANODE_DATA_PORT']}")
    assert props["dfs.datanode.http.address"].endswith(f":{s['HDFS_DATANODE_HTTP_PORT']}")
    assert props["dfs.datanode.ipc.address"].endswith(f":{s['HDFS_DATANODE_IPC_PORT']}")
    assert props["dfs.namenode.http-address"].endswith(f":{s['HDFS_NAMENODE_HTTP_PORT']}")


def _check_spark_defaults(text: str, s: dict[str, str]) -> None:
    conf = dict(line.split(None, 1) for line in text.strip().splitlines())
    assert conf["spark.driver.port"] == s["SPARK_DRIVER_PORT"]
    assert conf["spark.blockManager.port"] == s["SPARK_BLOCKMANAGER_PORT"]


def _k8s_cluster_id() -> str:
    return yaml.safe_load((ROOT / "k8s/base/kafka/kafka-configmap.yaml").read_text())["data"]["CLUSTER_ID"]


def _port(objs: list[dict[str, Any]], workload: str, port_name: str) -> int:
    w = next(o for o in workloads(objs) if o["metadata"]["name"] == workload)
    return next(p["containerPort"] for c in containers(w) for p in c.get("ports", []) if p["name"] == port_name)


def test_kubernetes_agrees(builds, settings) -> None:
    s = settings
    everything = builds["overlays/all-in-k8s"]
    images = {s[k] for k in s if k.endswith("_IMAGE")}
    for kustomization, objs in builds.items():
        for w in workloads(objs):
            for c in containers(w):
                assert c["image"] in images, f"{kustomization} {w['metadata']['name']}: {c['image']}"
    for kustomization in ("base", "overlays/hybrid", "overlays/all-in-k8s"):
        cm = next(o for o in builds[kustomization] if o["kind"] == "ConfigMap"
                  and o["metadata"]["name"] == "tweetics-settings")
        assert cm["data"] == s, f"{kustomization}: the settings ConfigMap differs from deploy/settings.env"
    expected = {("kafka", "client"): "KAFKA_CLIENT_PORT", ("kafka", "controller"): "KAFKA_CONTROLLER_PORT",
                ("kafka", "external"): "KAFKA_EXTERNAL_PORT", ("hdfs-namenode", "rpc"): "HDFS_NAMENODE_RPC_PORT",
                ("hdfs-namenode", "http"): "HDFS_NAMENODE_HTTP_PORT", ("hdfs-datanode", "http"): "HDFS_DATANODE_HTTP_PORT",
                ("hdfs-datanode", "data"): "HDFS_DATANODE_DATA_PORT", ("hdfs-datanode", "ipc"): "HDFS_DATANODE_IPC_PORT",
                ("spark-master", "spark"): "SPARK_MASTER_PORT", ("spark-master", "ui"): "SPARK_MASTER_UI_PORT",
                ("spark-worker", "worker"): "SPARK_WORKER_PORT", ("spark-worker", "ui"): "SPARK_WORKER_UI_PORT",
                ("tweetics", "driver"): "SPARK_DRIVER_PORT", ("tweetics", "blockmanager"): "SPARK_BLOCKMANAGER_PORT",
                ("tweetviz", "http"): "TWEETVIZ_PORT"}
    for (workload, port_name), key in expected.items():
        assert _port(everything, workload, port_name) == int(s[key]), (workload, port_name)
    config = {o["metadata"]["name"]: o.get("data", {}) for o in everything if o["kind"] == "ConfigMap"}
    _check_hadoop_xml(config["hdfs-config"]["hdfs-site.xml"], s)
    _check_spark_defaults(config["spark-config"]["spark-defaults.conf"], s)
    assert config["kafka-config"]["KAFKA_LISTENERS"] == (
        f"PLAINTEXT://:{s['KAFKA_CLIENT_PORT']},CONTROLLER://:{s['KAFKA_CONTROLLER_PORT']},"
        f"EXTERNAL://:{s['KAFKA_EXTERNAL_PORT']}")
    base_endpoints = read_env_file(ROOT / "k8s/base/core/endpoints.env")
    assert base_endpoints["KAFKA_BOOTSTRAP_SERVERS"] == f"kafka:{s['KAFKA_CLIENT_PORT']}"
    assert base_endpoints["HDFS_URL"] == f"hdfs://hdfs-namenode:{s['HDFS_NAMENODE_RPC_PORT']}"
    assert base_endpoints["WEBHDFS_DATA_URL"] == \
        f"webhdfs://hdfs-namenode:{s['HDFS_NAMENODE_HTTP_PORT']}{s['HDFS_OUTPUT_PATH']}"
    assert base_endpoints["SPARK_MASTER"] == f"spark://spark-master:{s['SPARK_MASTER_PORT']}"
    hybrid = next(o for o in builds["overlays/hybrid"] if o["kind"] == "ConfigMap"
                  and o["metadata"]["name"] == "tweetics-endpoints")["data"]
    assert hybrid["HDFS_URL"] == f"hdfs://{s['HDFS_NAMENODE_IP']}:{s['HDFS_NAMENODE_RPC_PORT']}"
    assert hybrid["WEBHDFS_DATA_URL"] == \
        f"webhdfs://{s['HDFS_NAMENODE_IP']}:{s['HDFS_NAMENODE_HTTP_PORT']}{s['HDFS_OUTPUT_PATH']}"
    assert hybrid["SPARK_MASTER"] == f"spark://{s['SPARK_MASTER_IP']}:{s['SPARK_MASTER_PORT']}"
    cidrs = {peer["ipBlock"]["cidr"] for o in everything if o["kind"] == "NetworkPolicy"
             for rule in o["spec"].get("ingress", []) + o["spec"].get("egress", [])
             for peer in rule.get("from", []) + rule.get("to", []) if "ipBlock" in peer}
    assert cidrs == {s["TENANT_CIDR"], "0.0.0.0/0"}
    for o in everything:
        labels = o["metadata"].get("labels", {})
        version = {"kafka": s["KAFKA_VERSION"], "hdfs": s["HADOOP_VERSION"], "spark": s["SPARK_VERSION"],
                   "tweetpub": s["APP_VERSION"], "tweetviz": s["APP_VERSION"]}.get(labels.get("app.kubernetes.io/name"))
        if version and o["kind"] != "PersistentVolumeClaim":
            assert labels.get("app.kubernetes.io/version") == version, o["metadata"]["name"]


def _defaults(tpl_name: str) -> dict[str, Any]:
    return {k: v.get("default") for k, v in template(tpl_name).get("parameters", {}).items()}


def test_heat_agrees(settings) -> None:
    s = settings
    jars = _connector_coordinates(s)
    expected = {
        "tenant_cidr": s["TENANT_CIDR"], "namenode_ip": s["HDFS_NAMENODE_IP"], "master_ip": s["SPARK_MASTER_IP"],
        "hadoop_version": s["HADOOP_VERSION"], "spark_version": s["SPARK_VERSION"],
        "kafka_version": s["KAFKA_VERSION"], "topic": s["TOPIC"], "hdfs_output_path": s["HDFS_OUTPUT_PATH"],
        "hdfs_checkpoint_path": s["HDFS_CHECKPOINT_PATH"], "cluster_id": _k8s_cluster_id(),
        "master_url": f"spark://{s['SPARK_MASTER_IP']}:{s['SPARK_MASTER_PORT']}",
        "hdfs_url": f"hdfs://{s['HDFS_NAMENODE_IP']}:{s['HDFS_NAMENODE_RPC_PORT']}",
        "spark_kafka_jars": ",".join(jars),
    }
    seen = set()
    sources = [(t, _defaults(t)) for t in TEMPLATES] + \
              [(e, environment(e).get("parameter_defaults", {})) for e in ENVIRONMENTS]
    for where, values in sources:
        for key, want in expected.items():
            if values.get(key) is not None:
                got = values[key]
                got = ",".join(got) if isinstance(got, list) else str(got).strip()
                assert got == want, f"{where}: {key}={got!r}, settings say {want!r}"
                seen.add(key)
    assert seen == set(expected), f"never checked: {set(expected) - seen}"
    # Ports in templates, fragments and security groups.
    text = "\n".join((ROOT / "heat" / t).read_text() for t in TEMPLATES)
    text += "\n".join(p.read_text() for p in (ROOT / "heat" / "fragments").glob("*.sh"))
    # The external listener and tweetviz exist only in Kubernetes (or compose).
    vm_ports = [k for k in PORT_KEYS if k not in ("KAFKA_EXTERNAL_PORT", "TWEETVIZ_PORT")]
    for key in vm_ports:
        assert re.search(rf"\b{s[key]}\b", text), f"{key}={s[key]} appears nowhere in heat/"
    rules = [r for res in template("network.yaml")["resources"].values()
             if res["type"] == "OS::Neutron::SecurityGroup" for r in res["properties"]["rules"]]
    opened = {p for r in rules for p in range(r["port_range_min"], r["port_range_max"] + 1)}
    pipeline_ports = {int(s[k]) for k in vm_ports} | {4040, 22}  # + driver UI and SSH
    assert opened == pipeline_ports, f"extra: {opened - pipeline_ports}, missing: {pipeline_ports - opened}"
    assert all(r.get("protocol") == "tcp" for r in rules)
    assert not any(r.get("remote_ip_prefix") == "0.0.0.0/0" for r in rules), "a port open to the world"


def test_spinnaker_and_dockerfiles_agree(settings) -> None:
    s = settings
    pipeline = json.loads((ROOT / "deploy/spinnaker/tweetics-pipeline.json").read_text())
    images = {a["defaultArtifact"]["reference"] for a in pipeline["expectedArtifacts"]
              if a["matchArtifact"]["type"] == "docker/image"}
    assert images == {s["DEPLOYER_IMAGE"], s["TWEETPUB_IMAGE"], s["TWEETVIZ_IMAGE"]}
    args = {}
    for dockerfile in (ROOT / "deploy" / "docker").glob("*.Dockerfile"):
        for key, value in re.findall(r"^ARG (\w+)=(\S+)$", dockerfile.read_text(), re.M):
            assert args.setdefault(key, value) == value, f"{dockerfile.name}: ARG {key} differs"
    for key in ("BASE_IMAGE", "SPARK_VERSION", "SCALA_BINARY_VERSION",
                "SPARK_KAFKA_CLIENTS_VERSION", "COMMONS_POOL2_VERSION"):
        assert args[key] == s[key], key
    tweetics = (ROOT / "deploy/docker/tweetics.Dockerfile").read_text()
    assert "python3.11/site-packages/pyspark" in tweetics and s["PYTHON_VERSION"] == "3.11"
