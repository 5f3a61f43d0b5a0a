# syntax=docker/dockerfile:1.7
# edgefleet's CPU runtime (packages/cpu-runtime/src/main.ts: one ONNX model over the Open Inference
# Protocol v2 with onnxruntime-node), the image of the "onnx" EdgeRuntime in the operator's catalog
# (packages/api/src/catalog/default-runtimes.ts), for amd64 and arm64:
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/cpu-runtime.Dockerfile \
#     -t ghcr.io/edgefleet/cpu-runtime:0.1.0 --push .
# Flags (packages/cpu-runtime/src/options.ts; the catalog's): --model-name, --model-version,
#   --model-path (the verified blob in the node's artifact cache), --model-sha256 (its digest: the
#   runtime loads only bytes that hash to it), --http-address; also
#   --max-body-bytes, --intra-op-threads, --log-level. Serves OIP v2 and /metrics on
#   --http-address (0.0.0.0:8080); runs as uid 65532, the owner of the node's artifact cache.

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
# Only the packages the cpu-runtime imports (its package.json and theirs).
COPY packages/api/src packages/api/src
COPY packages/telemetry/src packages/telemetry/src
COPY packages/kit/src packages/kit/src
COPY packages/cpu-runtime/src packages/cpu-runtime/src
# onnxruntime-node is a native addon, loaded by a computed path: it stays external and ships as
# node_modules next to the bundle, which Node resolves it from.
RUN npx esbuild packages/cpu-runtime/src/main.ts --bundle --platform=node --target=node20 --format=esm \
      --external:onnxruntime-node \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/cpu-runtime.mjs
# Only the target's binaries of the addon (Node calls amd64 x64), and its one runtime dependency.
ARG TARGETARCH
RUN arch="$([ "$TARGETARCH" = amd64 ] && echo x64 || echo "$TARGETARCH")" \
 && ort=node_modules/onnxruntime-node \
 && mkdir -p /out/node_modules/onnxruntime-node/bin/napi-v6/linux \
 && cp -r "$ort/package.json" "$ort/dist" /out/node_modules/onnxruntime-node/ \
 && cp -r "$ort/bin/napi-v6/linux/$arch" /out/node_modules/onnxruntime-node/bin/napi-v6/linux/ \
 && cp -r node_modules/onnxruntime-common /out/node_modules/

# onnxruntime's shared library needs glibc and libstdc++: Debian slim, not distroless.
FROM ${RUNTIME_IMAGE}
COPY --from=build /out/cpu-runtime.mjs /app/cpu-runtime.mjs
COPY --from=build /out/node_modules /app/node_modules
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/node", "/app/cpu-runtime.mjs"]
