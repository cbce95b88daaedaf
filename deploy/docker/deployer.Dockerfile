# syntax=docker/dockerfile:1
# deployer: the OpenStack client plus this repository's Heat templates, run by the Spinnaker
# pipeline's Heat stages (deploy/spinnaker/tweetics-pipeline.json) as Kubernetes Jobs.
# Build context: the repository root.
#   docker build -f deploy/docker/deployer.Dockerfile -t ghcr.io/tweetics/deployer:0.1.0 .
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE}
ARG OPENSTACKCLIENT_VERSION=10.5.0
ARG HEATCLIENT_VERSION=5.3.0
RUN pip install --no-cache-dir --disable-pip-version-check \
      "python-openstackclient==${OPENSTACKCLIENT_VERSION}" "python-heatclient==${HEATCLIENT_VERSION}" \
 && groupadd --system --gid 10001 deployer \
 && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin deployer
COPY heat/ /opt/tweetics/heat/
COPY deploy/settings.env /opt/tweetics/settings.env
WORKDIR /opt/tweetics/heat
USER 10001:10001
ENTRYPOINT ["openstack"]
CMD ["--help"]
