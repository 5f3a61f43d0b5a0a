# syntax=docker/dockerfile:1.7
# The telemetry gateway (MQTT → Prometheus), for amd64 and arm64:
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/gateway.Dockerfile \
#     -t ghcr.io/edgefleet/telemetry-gateway:0.1.0 --push .
# Assumes the entry point gateway/src/main.ts (not written yet) honouring the contract in
# docs/pulumi.md: --http-port, --mqtt-url, --mqtt-ca/--mqtt-cert/--mqtt-key; /metrics, /healthz,
# /readyz on 8080; uid 65532.

FROM --platform=$BUILDPLATFORM node:20.20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY operator/package.json operator/
COPY stacks/package.json stacks/
COPY tools/package.json tools/
COPY gateway/package.json gateway/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY operator/ operator/
COPY gateway/ gateway/
RUN npx esbuild gateway/src/main.ts --bundle --platform=node --target=node20 --format=esm \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/gateway.mjs

FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /out/gateway.mjs /app/gateway.mjs
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/gateway.mjs"]
