# syntax=docker/dockerfile:1.7
# The telemetry gateway (packages/gateway/src/main.ts: MQTT → Prometheus), for amd64 and arm64:
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/gateway.Dockerfile \
#     -t ghcr.io/edgefleet/telemetry-gateway:0.1.0 --push .
# Flags (packages/gateway/src/options.ts; the Pulumi program's, docs/pulumi.md): --broker-url,
#   --tls-ca, --tls-cert, --tls-key, --client-id, --http-address.
# Serves /metrics, /healthz, /readyz on --http-address (0.0.0.0:8080); runs as uid 65532.
# Also ships the retire command (packages/gateway/src/retire.ts, docs/runbooks.md), run with
#   kubectl exec: /nodejs/bin/node /app/retire.mjs with the same broker and TLS flags, --site, --node.

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
# Only the packages the gateway imports (its package.json and theirs).
COPY packages/api/src packages/api/src
COPY packages/telemetry/src packages/telemetry/src
COPY packages/kit/src packages/kit/src
COPY packages/gateway/src packages/gateway/src
RUN npx esbuild packages/gateway/src/main.ts --bundle --platform=node --target=node20 --format=esm \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/gateway.mjs
RUN npx esbuild packages/gateway/src/retire.ts --bundle --platform=node --target=node20 --format=esm \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/retire.mjs

# mqtt and prom-client are pure JavaScript: no native addon, so distroless.
FROM ${RUNTIME_IMAGE}
COPY --from=build /out/gateway.mjs /out/retire.mjs /app/
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/gateway.mjs"]
