# syntax=docker/dockerfile:1.7
# edgefleet's CPU runtime (edge-agent/src/runtime/main.ts: one ONNX model over the Open Inference
# Protocol v2 with onnxruntime-node), the image of the "onnx" EdgeRuntime in the operator's catalog
# (operator/src/catalog/default-runtimes.ts), for amd64 and arm64:
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/cpu-runtime.Dockerfile \
#     -t ghcr.io/edgefleet/cpu-runtime:0.1.0 --push .
# Flags (edge-agent/src/runtime/options.ts; the catalog's): --model-name, --model-version,
#   --model-path (the verified blob in the node's artifact cache), --http-address; also
#   --max-body-bytes, --intra-op-threads, --log-level. Serves OIP v2 and /metrics on
#   --http-address (0.0.0.0:8080); runs as uid 65532, the owner of the node's artifact cache.

FROM --platform=$BUILDPLATFORM node:20.20-bookworm-slim AS build
WORKDIR /src
# Scripts are off and the install skipped: onnxruntime-node's postinstall would fetch CUDA
# libraries; its npm package already holds the CPU binaries of every platform.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
COPY edge-agent/package.json edge-agent/
COPY operator/package.json operator/
COPY stacks/package.json stacks/
COPY tools/package.json tools/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY operator/src operator/src
COPY edge-agent/src edge-agent/src
# onnxruntime-node is a native addon, loaded by a computed path: it stays external and ships as
# node_modules next to the bundle, which Node resolves it from.
RUN npx esbuild edge-agent/src/runtime/main.ts --bundle --platform=node --target=node20 --format=esm \
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
FROM node:20.20-bookworm-slim
COPY --from=build /out/cpu-runtime.mjs /app/cpu-runtime.mjs
COPY --from=build /out/node_modules /app/node_modules
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/node", "/app/cpu-runtime.mjs"]
