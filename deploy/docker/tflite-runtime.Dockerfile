# syntax=docker/dockerfile:1.7
# edgefleet's TFLite runtime (packages/tflite-runtime/src/main.ts: one .tflite model over the Open
# Inference Protocol v2, the CPU runtime's server, the model run by LiteRT's interpreter on the CPU,
# no Edge TPU delegate, in a Python worker), the image of the "tflite" EdgeRuntime in the operator's
# catalog (packages/api/src/catalog/default-runtimes.ts), for amd64 and arm64:
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/tflite-runtime.Dockerfile \
#     -t ghcr.io/edgefleet/tflite-runtime:0.1.0 --push .
# Flags (packages/tflite-runtime/src/options.ts; the catalog's): --model-name, --model-version,
#   --model-path (the verified .tflite file in the node's artifact cache),
#   --model-sha256 (its digest: the runtime loads only bytes that hash to it), --http-address;
#   also --max-body-bytes, --intra-op-threads, --log-level, --python (set by EDGEFLEET_VENV_PYTHON here).
#   Serves OIP v2 and /metrics on --http-address (0.0.0.0:8080); runs as uid 65532, the owner of the
#   node's artifact cache. The Python venv holds ai-edge-litert (LiteRT) and numpy at the toolchain's
#   pins (tools/toolchain/python-requirements.txt, a pip constraints file here), from PyPI.

# The base images, overridable for registries that mirror them or machines that assemble their own
# (tools/edgefleet images build passes one built from Debian packages and npm's Node.js binary).
ARG BUILD_IMAGE=node:20.20-bookworm-slim
ARG RUNTIME_IMAGE=node:20.20-bookworm-slim

FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
WORKDIR /src
# Scripts are off and the install skipped: onnxruntime-node's postinstall would fetch CUDA
# libraries; its npm package already holds the CPU binaries of every platform.
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
# Only the packages the tflite-runtime imports (its package.json and theirs).
COPY packages/api/src packages/api/src
COPY packages/telemetry/src packages/telemetry/src
COPY packages/kit/src packages/kit/src
COPY packages/cpu-runtime/src packages/cpu-runtime/src
COPY packages/python-worker/src packages/python-worker/src
COPY packages/tflite-runtime/src packages/tflite-runtime/src
# The model runs in the Python worker: the bundle leaves out the CPU runtime's onnxruntime-node
# (external only so that esbuild does not try to load its .node binaries; nothing imports it).
RUN npx esbuild packages/tflite-runtime/src/main.ts --bundle --platform=node --target=node20 --format=esm \
      --external:onnxruntime-node \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/tflite-runtime.mjs

# The worker's venv, on the target's base: its wheels are native code. The toolchain's pins are the
# constraints, so the image runs the versions the tests ran; only binary wheels, from PyPI.
FROM ${RUNTIME_IMAGE} AS venv
COPY tools/toolchain/python-requirements.txt /tmp/constraints.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends python3-venv \
 && python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --disable-pip-version-check --no-cache-dir --only-binary=:all: \
      --index-url https://pypi.org/simple --constraint /tmp/constraints.txt ai-edge-litert numpy \
 && /opt/venv/bin/pip uninstall --yes --disable-pip-version-check pip setuptools

# The venv's interpreter is the base's python3 (Debian's, the one it was made with).
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
COPY --from=venv /opt/venv /opt/venv
COPY --from=build /out/tflite-runtime.mjs /app/tflite-runtime.mjs
# The worker's Python files beside the bundle, where it looks for them (WORKER_FILES).
COPY packages/python-worker/src/frame_worker.py packages/tflite-runtime/src/worker.py /app/
ENV EDGEFLEET_VENV_PYTHON=/opt/venv/bin/python
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/node", "/app/tflite-runtime.mjs"]
