# syntax=docker/dockerfile:1.7
# edgefleet's federated trainer (tools/src/federated/trainer.ts, bundled), the image a
# FederatedTraining's spec.trainer.image names to train edgefleet's Flower app (the digits MLP) on
# real nodes, for amd64:
#   docker buildx build --platform linux/amd64 -f deploy/docker/federated-trainer.Dockerfile \
#     -t ghcr.io/edgefleet/federated-trainer:0.1.0 --push .
# The operator runs it as `coordinator` (a Flower SuperLink, its Fleet API on port 9092 under a
#   certificate from a CA it makes, and the ServerApp) and `client` (a Flower SuperNode per device),
#   with the job's settings in EDGEFLEET_FL_* (packages/api/src/federated-pods.ts); flags: --python
#   (set by EDGEFLEET_VENV_PYTHON here), --work, --log-level. The venv holds Flower, dp-accounting,
#   scikit-learn (the digits data) and the ONNX exporter at the toolchain's exact pins
#   (tools/toolchain/python-federated-requirements.txt), from PyPI. A trainer of an app team's own
#   model keeps this contract and swaps the Flower app.

# The base images, overridable for registries that mirror them or machines that assemble their own
# (tools/edgefleet images build passes one built from Debian packages and npm's Node.js binary).
ARG BUILD_IMAGE=node:20.20-bookworm-slim
ARG RUNTIME_IMAGE=node:20.20-bookworm-slim

FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
WORKDIR /src
# Scripts are off and the install skipped: onnxruntime-node's postinstall would fetch CUDA
# libraries (nothing the trainer bundles loads it).
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
COPY packages/api/package.json packages/api/
COPY packages/telemetry/package.json packages/telemetry/
COPY packages/kit/package.json packages/kit/
COPY packages/kube/package.json packages/kube/
COPY packages/operator/package.json packages/operator/
COPY packages/gateway/package.json packages/gateway/
COPY packages/edge-agent/package.json packages/edge-agent/
COPY packages/cpu-runtime/package.json packages/cpu-runtime/
COPY packages/openvino-runtime/package.json packages/openvino-runtime/
COPY packages/python-worker/package.json packages/python-worker/
COPY packages/tflite-runtime/package.json packages/tflite-runtime/
COPY packages/test-models/package.json packages/test-models/
COPY stacks/package.json stacks/
COPY tools/package.json tools/
COPY dashboards/package.json dashboards/
COPY deploy/package.json deploy/
COPY test/package.json test/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund --ignore-scripts
# Only the sources the trainer imports (its package.json's dependencies and theirs).
COPY packages/api/src packages/api/src
COPY packages/telemetry/src packages/telemetry/src
COPY packages/kit/src packages/kit/src
COPY packages/kube/src packages/kube/src
COPY packages/edge-agent/src packages/edge-agent/src
COPY packages/cpu-runtime/src packages/cpu-runtime/src
COPY tools/src/federated tools/src/federated
COPY tools/src/artifacts tools/src/artifacts
COPY tools/src/services tools/src/services
COPY tools/src/platform/pki.ts tools/src/platform/
# At /app/federated, as in tools/src: the bundle finds the Flower app beside it (federated/app) and
# the digits model it imports in ../model-build.
RUN npx esbuild tools/src/federated/trainer-main.ts --bundle --platform=node --target=node20 --format=esm \
      --external:onnxruntime-node \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/federated/trainer.mjs

# The federated venv, on the target's base: its wheels are native code. Exactly the toolchain's
# federated pins, so the image trains with the versions the tests ran; only binary wheels, from PyPI.
FROM ${RUNTIME_IMAGE} AS venv
COPY tools/toolchain/python-federated-requirements.txt /tmp/requirements.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends python3-venv \
 && python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --disable-pip-version-check --no-cache-dir --only-binary=:all: \
      --index-url https://pypi.org/simple --requirement /tmp/requirements.txt \
 && /opt/venv/bin/pip uninstall --yes --disable-pip-version-check pip setuptools

# The venv's interpreter is the base's python3 (Debian's, the one it was made with).
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
COPY --from=venv /opt/venv /opt/venv
COPY --from=build /out/federated/trainer.mjs /app/federated/trainer.mjs
COPY tools/src/federated/app /app/federated/app
COPY tools/src/model-build/digits.py /app/model-build/
ENV EDGEFLEET_VENV_PYTHON=/opt/venv/bin/python
# Flower and scikit-learn write their caches under $HOME; uid 65532 has no home of its own.
ENV HOME=/tmp
USER 65532:65532
EXPOSE 9092
ENTRYPOINT ["/usr/local/bin/node", "/app/federated/trainer.mjs"]
