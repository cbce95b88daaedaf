# tweetpub: tweets (X API filtered stream, or a replayed recording) -> Kafka.
# Build context: the repository root.
#   docker build -f deploy/docker/tweetpub.Dockerfile -t ghcr.io/tweetics/tweetpub:0.1.0 .
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
# Debian's Python 3.11 in a virtualenv (the final stage has the same /usr/bin/python3.11).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/venv
WORKDIR /src
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
# The producer and the ground floor it shares with the other programs (tweetcontract: tweet rules,
# envelope, defaults); the other programs stay out: setuptools packages only the folders that exist.
COPY tweetcontract/ tweetcontract/
COPY tweetpub/ tweetpub/
# The tweetpub extra adds the Kafka client, tweepy, urllib3 and tqdm to the light core: no Spark, no Flask.
# The host's CA bundle (a build secret, never in a layer) for machines whose egress re-signs TLS.
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=pip-ca \
 if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && pip install ".[tweetpub]"

FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tweetics \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/tweetics --shell /usr/sbin/nologin tweetics
COPY --from=build /opt/venv /opt/venv
# The demo recording, replayed by default in compose and seeded into the Kubernetes volume.
COPY tweetpub/data/demo.jsonl.gz /opt/tweetpub/data/demo.jsonl.gz
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
ENTRYPOINT ["tweetpub"]
CMD ["--help"]
