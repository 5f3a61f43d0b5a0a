# syntax=docker/dockerfile:1.7
# edgefleet's model build (tools/src/model-build/cli.ts: tools/edgefleet model's CLI, bundled), the
# image the operator runs EdgeModelBuild Jobs in by default, for amd64:
#   docker buildx build --platform linux/amd64 -f deploy/docker/model-build.Dockerfile \
#     -t ghcr.io/edgefleet/model-build:0.1.0 --push .
# The Job runs `node /app/model.mjs job` (MODEL_BUILD_COMMAND) with --work, --summary, and per the
#   build's spec --source-public-key, --signing-key, --push-auth, --carried, --source-pull-auth,
#   --calibration-pull-auth, --evaluation-pull-auth: it fetches and checks the inputs, builds and
#   measures the targets with the Python tools, and with spec.publish signs and pushes them. The venv
#   holds ONNX Runtime (its quantizers), onnxconverter-common, OpenVINO and NNCF at the toolchain's
#   pins (tools/toolchain/python-requirements.txt, a pip constraints file here), from PyPI; not
#   TensorFlow, onnx2tf or LiteRT (about 3 GB): tflite targets fail at once, naming what is missing.

# The base images, overridable for registries that mirror them or machines that assemble their own
# (tools/edgefleet images build passes one built from Debian packages and npm's Node.js binary).
ARG BUILD_IMAGE=node:20.20-bookworm-slim
ARG RUNTIME_IMAGE=node:20.20-bookworm-slim

FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
WORKDIR /src
# Scripts are off and the install skipped: onnxruntime-node's postinstall would fetch CUDA
# libraries (the build measures ONNX builds with Python's onnxruntime, not this one).
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
# Only the sources the model CLI imports (its package.json's dependencies and theirs).
COPY packages/api/src packages/api/src
COPY packages/telemetry/src packages/telemetry/src
COPY packages/kit/src packages/kit/src
COPY packages/kube/src packages/kube/src
COPY packages/edge-agent/src packages/edge-agent/src
COPY packages/cpu-runtime/src packages/cpu-runtime/src
COPY packages/python-worker/src packages/python-worker/src
COPY packages/openvino-runtime/src packages/openvino-runtime/src
COPY packages/tflite-runtime/src packages/tflite-runtime/src
COPY tools/src/model-build tools/src/model-build
COPY tools/src/artifacts tools/src/artifacts
COPY tools/src/cluster/toolchain.ts tools/src/cluster/paths.ts tools/src/cluster/
COPY tools/src/subcommands.ts tools/src/table.ts tools/src/
# onnxruntime-node is external only so that esbuild does not try to load its .node binaries: the
# CLI never loads it (the CPU runtime's ONNX engine, which the build does not serve with).
RUN npx esbuild tools/src/model-build/cli.ts --bundle --platform=node --target=node20 --format=esm \
      --external:onnxruntime-node \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/model.mjs

# The build tools' venv, on the target's base: its wheels are native code. The toolchain's pins are
# the constraints, so the image builds with the versions the tests ran; only binary wheels, from PyPI.
FROM ${RUNTIME_IMAGE} AS venv
COPY tools/toolchain/python-requirements.txt /tmp/constraints.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends python3-venv \
 && python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --disable-pip-version-check --no-cache-dir --only-binary=:all: \
      --index-url https://pypi.org/simple --constraint /tmp/constraints.txt \
      onnxruntime onnx onnxconverter-common openvino nncf numpy \
 && /opt/venv/bin/pip uninstall --yes --disable-pip-version-check pip setuptools

# The venv's interpreter is the base's python3 (Debian's, the one it was made with).
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
COPY --from=venv /opt/venv /opt/venv
COPY --from=build /out/model.mjs /app/model.mjs
# build.py beside the bundle, where the CLI looks for it, with the OpenVINO runtime's modules it
# writes and measures IR with (the CLI's PYTHONPATH: the bundle's folder).
COPY tools/src/model-build/build.py packages/python-worker/src/frame_worker.py packages/openvino-runtime/src/worker.py packages/openvino-runtime/src/ir_artifact.py packages/openvino-runtime/src/telemetry_off.py /app/
ENV EDGEFLEET_VENV_PYTHON=/opt/venv/bin/python
# NNCF and OpenVINO write their caches under $HOME; uid 65532 has no home of its own.
ENV HOME=/tmp
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/node", "/app/model.mjs"]
