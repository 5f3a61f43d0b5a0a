# syntax=docker/dockerfile:1.7
# The edge agent (device telemetry → MQTT), for every node: amd64 (NUC, IPC) and arm64 (Jetson, Pi):
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/edge-agent.Dockerfile \
#     -t ghcr.io/edgefleet/edge-agent:0.1.0 --push .
# Assumes the entry point agent/src/main.ts (not written yet) honouring the contract in
# docs/pulumi.md: --node-name, --http-port, --sysfs, --mqtt-url, --mqtt-identity-dir; /metrics,
# /healthz, /readyz on 8080; uid 65532 with supplementary group 0 to read the node's identity files.

FROM --platform=$BUILDPLATFORM node:20.20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY operator/package.json operator/
COPY stacks/package.json stacks/
COPY tools/package.json tools/
COPY agent/package.json agent/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY operator/ operator/
COPY agent/ agent/
RUN npx esbuild agent/src/main.ts --bundle --platform=node --target=node20 --format=esm \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/edge-agent.mjs

# The agent reads /host/sys (mounted read-only) and needs no tools from the image: distroless too.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /out/edge-agent.mjs /app/edge-agent.mjs
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/edge-agent.mjs"]
