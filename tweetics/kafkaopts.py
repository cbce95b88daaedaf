"""The Kafka client settings of the job's source and of the late recount, from a properties file.

``--kafka-config-file client.properties`` (env ``TWEETICS_KAFKA_CONFIG_FILE``) is read on the driver and every entry
becomes a ``kafka.<key>`` option of the Kafka source, so a secured cluster (SASL_SSL, SCRAM) is read with
credentials that never appear on a command line. The file may use the Java client's names (``sasl.jaas.config``,
``ssl.truststore.location``) or librdkafka's, as tweetpub and the local stack's ``client.properties`` do; the
librdkafka-only ones are translated:

- ``sasl.username`` + ``sasl.password`` (SCRAM or PLAIN) -> ``sasl.jaas.config``;
- ``ssl.ca.location`` (a PEM file) -> ``ssl.truststore.type=PEM`` + ``ssl.truststore.location``.

Values may be secrets: no error message here ever quotes one.
"""

from __future__ import annotations

from tweetcontract import kafkaprops
from tweetics.exceptions import UsageError

#: Options the Spark Kafka source sets itself and refuses from the user (it throws on them).
SPARK_OWNED = frozenset({"key.deserializer", "value.deserializer", "enable.auto.commit", "auto.offset.reset",
                         "interceptor.classes"})
#: librdkafka settings the job cannot translate: name the Java setting to use instead.
UNTRANSLATED = {
    "ssl.certificate.location": "ssl.keystore.location (ssl.keystore.type=PEM, key and chain in one file)",
    "ssl.key.location": "ssl.keystore.location (ssl.keystore.type=PEM, key and chain in one file)",
    "sasl.oauthbearer.client.id": "sasl.jaas.config",
    "sasl.oauthbearer.client.secret": "sasl.jaas.config",
}
LOGIN_MODULES = {
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
}


def read_properties(path: str) -> dict[str, str]:
    """The file's entries (contract: :mod:`tweetcontract.kafkaprops`).

    :raises UsageError: the file cannot be read, or a line has no separator (its number only, never its text).
    """
    try:
        return kafkaprops.read_properties(path)
    except kafkaprops.BadProperties as exc:
        raise UsageError(f"--kafka-config-file: {exc}") from None


def _jaas_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def java_client_settings(props: dict[str, str], source: str = "--kafka-config-file") -> dict[str, str]:
    """``props`` with librdkafka-only names turned into the Java client's (see the module doc)."""
    out = dict(props)
    for key, java in UNTRANSLATED.items():
        if key in out:
            raise UsageError(f"{source}: {key} is a librdkafka setting the job cannot use; set {java} instead")
    user, password = out.pop("sasl.username", None), out.pop("sasl.password", None)
    if (user is None) != (password is None):
        raise UsageError(f"{source}: sasl.username and sasl.password go together")
    if user is not None and "sasl.jaas.config" not in out:
        mechanism = out.get("sasl.mechanism", out.get("sasl.mechanisms", "GSSAPI")).upper()
        if mechanism not in LOGIN_MODULES:
            raise UsageError(f"{source}: sasl.username/sasl.password need sasl.mechanism "
                             f"{' or '.join(sorted(LOGIN_MODULES))}, not {mechanism}")
        out["sasl.jaas.config"] = (f"{LOGIN_MODULES[mechanism]} required username={_jaas_quote(user)} "
                                   f"password={_jaas_quote(password or '')};")
    if "sasl.mechanisms" in out:  # librdkafka's alias
        out.setdefault("sasl.mechanism", out.pop("sasl.mechanisms"))
    ca = out.pop("ssl.ca.location", None)
    if ca is not None and "ssl.truststore.location" not in out:
        out["ssl.truststore.type"] = "PEM"
        out["ssl.truststore.location"] = ca
    owned = sorted(SPARK_OWNED & out.keys())
    if owned:
        raise UsageError(f"{source}: {owned[0]} is set by Spark's Kafka source itself; remove it")
    if "bootstrap.servers" in out:
        raise UsageError(f"{source}: give the brokers with --bootstrap-servers, not bootstrap.servers")
    return out


def source_options(bootstrap_servers: str, config_file: str | None) -> dict[str, str]:
    """The ``kafka.*`` options of the Kafka source (stream and late recount alike)."""
    options = {"kafka.bootstrap.servers": bootstrap_servers}
    if config_file:
        options.update({f"kafka.{k}": v for k, v in java_client_settings(read_properties(config_file)).items()})
    return options
