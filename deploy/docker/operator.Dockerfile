# syntax=docker/dockerfile:1.7
# The edgefleet operator, for amd64 and arm64 edge servers:
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/operator.Dockerfile \
#     -t ghcr.io/edgefleet/operator:0.1.0 --push .
# The contract the Pulumi program relies on (docs/pulumi.md): flags --namespace,
# --leader-election-lease, --log-level, --http-port; /metrics, /healthz, /readyz on 8080; uid 65532.

# The bundle is plain JavaScript, so it is built once on the builder's own platform, not emulated.
FROM --platform=$BUILDPLATFORM node:20.20-bookworm-slim AS build
WORKDIR /src
# Workspace manifests first: dependencies are cached until a package.json or the lock changes.
COPY package.json package-lock.json ./
COPY operator/package.json operator/
COPY stacks/package.json stacks/
COPY tools/package.json tools/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY operator/ operator/
# One ES-module file with every dependency; createRequire serves the CommonJS ones.
RUN npx esbuild operator/src/main.ts --bundle --platform=node --target=node20 --format=esm \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outfile=/out/operator.mjs

# Distroless: no shell, no package manager; the nonroot variant runs as uid/gid 65532.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /out/operator.mjs /app/operator.mjs
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/operator.mjs"]
