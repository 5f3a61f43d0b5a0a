# syntax=docker/dockerfile:1.7
# The edge agent (packages/edge-agent/src/agent/main.ts: device telemetry → MQTT) for every node, amd64
# (NUC, IPC) and arm64 (Jetson, Pi), with the artifact installer (packages/edge-agent/src/artifacts/install-cli.ts)
# that runtime pods run from this image as their verify-artifact init container:
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/edge-agent.Dockerfile \
#     -t ghcr.io/edgefleet/edge-agent:0.1.0 --push .
# Agent flags (packages/edge-agent/src/agent/options.ts; the Pulumi program's, docs/pulumi.md): --site, --node,
#   --hardware-class, --accelerators, --broker-url, --tls-ca, --tls-cert, --tls-key, --sysfs-root,
#   --spool-dir, --artifact-cache-dir, --http-address. Serves /metrics, /healthz, /readyz on
#   --http-address (0.0.0.0:8080); uid 65532 with supplementary group 0 to read the node's identity files.
# Installer flags (packages/edge-agent/src/artifacts/install-options.ts): --cache-dir; the rest from the
#   operator's EDGEFLEET_* environment. Run as command /nodejs/bin/node /app/install-artifact.mjs.
# Model loader (packages/edge-agent/src/loader/main.ts): the container of a model's pod on a runtime with
#   serving: Shared, which loads the verified file into the node's shared server; command
#   /nodejs/bin/node /app/model-loader.mjs, the rest from the operator's EDGEFLEET_* environment.

# The base images, overridable for registries that mirror them or machines that assemble their own
# (tools/edgefleet images build passes one built from Debian packages and npm's Node.js binary).
ARG BUILD_IMAGE=node:20.20-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
WORKDIR /src
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
# Only the packages the edge-agent imports (its package.json and theirs).
COPY packages/api/src packages/api/src
COPY packages/telemetry/src packages/telemetry/src
COPY packages/kit/src packages/kit/src
COPY packages/kube/src packages/kube/src
COPY packages/edge-agent/src packages/edge-agent/src
RUN npx esbuild packages/edge-agent/src/agent/main.ts --bundle --platform=node --target=node20 --format=esm \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/edge-agent.mjs
RUN npx esbuild packages/edge-agent/src/artifacts/install-cli.ts --bundle --platform=node --target=node20 --format=esm \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/install-artifact.mjs
RUN npx esbuild packages/edge-agent/src/loader/main.ts --bundle --platform=node --target=node20 --format=esm \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/model-loader.mjs

# The agent reads /host/sys (mounted read-only) and needs no tools from the image; mqtt and
# prom-client are pure JavaScript (the agent does not load onnxruntime): distroless.
FROM ${RUNTIME_IMAGE}
COPY --from=build /out/edge-agent.mjs /out/install-artifact.mjs /out/model-loader.mjs /app/
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/edge-agent.mjs"]
