# tweetviz: the live tag cloud on 8050, started exactly as on any machine: `tweetviz serve`
# (gunicorn, gthread workers; a live page holds a thread, not a worker). Build context: the repository root.
#   docker build -f deploy/docker/tweetviz.Dockerfile -t ghcr.io/tweetics/tweetviz:0.1.0 .
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
ARG GUNICORN_VERSION=27.0.1
# The dashboard and the ground floor it reads the output with (tweetcontract); the other programs
# stay out: setuptools packages only the folders that exist.
COPY tweetcontract/ tweetcontract/
COPY tweetviz/ tweetviz/
# The tweetviz extra adds Flask, plotly and gunicorn to the light core: no Kafka client, no Spark.
# The extra gives gunicorn a floor; the image pins the version it was checked with.
# The host's CA bundle (a build secret, never in a layer) for machines whose egress re-signs TLS.
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=pip-ca \
 if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && pip install ".[tweetviz]" "gunicorn==${GUNICORN_VERSION}"

FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tweetics \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/tweetics --shell /usr/sbin/nologin tweetics
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
EXPOSE 8050
HEALTHCHECK --interval=5s --timeout=10s --start-period=60s \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('TWEETVIZ_PORT', '8050'), timeout=2)"]
# Settings come from TWEETVIZ_* variables (TWEETVIZ_DATA=webhdfs://HOST:9870/tweetics, _PORT,
# _WORKERS, _THREADS, ...); only the address differs from `tweetviz serve`'s loopback default.
# gunicorn's arbiter is PID 1 and stops gracefully on SIGTERM.
ENTRYPOINT ["tweetviz"]
CMD ["serve", "--host", "0.0.0.0"]
