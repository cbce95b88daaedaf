# syntax=docker/dockerfile:1
# tweetviz: the live tag cloud (Flask app factory served by gunicorn on 8050).
# Build context: the repository root.
#   docker build -f deploy/docker/tweetviz.Dockerfile -t ghcr.io/tweetics/tweetviz:0.1.0 .
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG GUNICORN_VERSION=27.0.1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
# tweetviz uses tweetpub's shared hashtag rules and tweetics' reading of its own output.
COPY tweetpub/ tweetpub/
COPY tweetics/ tweetics/
COPY tweetviz/ tweetviz/
# The project's dependencies minus pyspark (the dashboard reads HDFS over WebHDFS), plus gunicorn.
RUN python -c 'import tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; print("\n".join(d for d in deps if not d.startswith("pyspark")))' > /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt "gunicorn==${GUNICORN_VERSION}" \
 && pip install --no-cache-dir --no-deps .

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 tweetics \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin tweetics
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=3s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8050/api/ping', timeout=2)"]
# Settings come from TWEETVIZ_* variables (TWEETVIZ_DATA: webhdfs://HOST:9870/tweetics).
ENTRYPOINT ["gunicorn"]
CMD ["--bind=0.0.0.0:8050", "--workers=2", "--access-logfile=-", "tweetviz:create_app()"]
