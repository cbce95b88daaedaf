# syntax=docker/dockerfile:1
# tweetpub: tweets (X API filtered stream, or a replayed recording) -> Kafka.
# Build context: the repository root.
#   docker build -f deploy/docker/tweetpub.Dockerfile -t ghcr.io/tweetics/tweetpub:0.1.0 .
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
# The producer and the ground floor it shares with the other programs (tweetcontract: tweet rules,
# envelope, defaults); the other programs stay out: setuptools packages only the folders that exist.
COPY tweetcontract/ tweetcontract/
COPY tweetpub/ tweetpub/
# The tweetpub extra adds the Kafka client, tweepy, urllib3 and tqdm to the light core: no Spark, no Flask.
RUN pip install --no-cache-dir ".[tweetpub]"

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 tweetics \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin tweetics
COPY --from=build /opt/venv /opt/venv
# The demo recording, replayed by default in compose and seeded into the Kubernetes volume.
COPY tweetpub/data/demo.jsonl.gz /opt/tweetpub/data/demo.jsonl.gz
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
ENTRYPOINT ["tweetpub"]
CMD ["--help"]
