# syntax=docker/dockerfile:1.7
# The telemetry gateway (operator/src/gateway/main.ts: MQTT → Prometheus), for amd64 and arm64:
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/gateway.Dockerfile \
#     -t ghcr.io/edgefleet/telemetry-gateway:0.1.0 --push .
# Flags (operator/src/gateway/options.ts; the Pulumi program's, docs/pulumi.md): --broker-url,
#   --tls-ca, --tls-cert, --tls-key, --client-id, --http-address.
# Serves /metrics, /healthz, /readyz on --http-address (0.0.0.0:8080); runs as uid 65532.

FROM --platform=$BUILDPLATFORM node:20.20-bookworm-slim AS build
WORKDIR /src
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
COPY edge-agent/package.json edge-agent/
COPY operator/package.json operator/
COPY stacks/package.json stacks/
COPY tools/package.json tools/
RUN npm ci --no-audit --no-fund --ignore-scripts
# The gateway validates messages with the agent's telemetry schema (edge-agent/src/telemetry).
COPY operator/src operator/src
COPY edge-agent/src edge-agent/src
RUN npx esbuild operator/src/gateway/main.ts --bundle --platform=node --target=node20 --format=esm \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/gateway.mjs

# mqtt and prom-client are pure JavaScript: no native addon, so distroless.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /out/gateway.mjs /app/gateway.mjs
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/gateway.mjs"]
