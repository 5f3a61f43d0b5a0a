# syntax=docker/dockerfile:1.7
# The edgefleet operator (packages/operator/src/main.ts), for amd64 and arm64 edge servers:
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/operator.Dockerfile \
#     -t ghcr.io/edgefleet/operator:0.1.0 --push .
# Flags (packages/operator/src/options.ts; the Pulumi program's, docs/pulumi.md): --leader-election-namespace,
#   --leader-election-id, --identity, --log-level, --http-address, --agent-image, --artifact-ca-bundle
#   (a site's private CA for model downloads); rollout analysis needs --prometheus-url as well.
# Serves /metrics, /healthz, /readyz on --http-address (0.0.0.0:8080); runs as uid 65532.

# The base images, overridable for registries that mirror them or machines that assemble their own
# (tools/edgefleet images build passes one built from Debian packages and npm's Node.js binary).
ARG BUILD_IMAGE=node:20.20-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

# The bundle is plain JavaScript, so it is built once on the builder's own platform, not emulated.
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
WORKDIR /src
# Every workspace's manifest (npm ci checks them against the lock): dependencies stay cached until
# a package.json or the lock changes. Scripts are off: nothing here needs onnxruntime's CUDA download.
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
# Only the packages the operator imports (its package.json and theirs).
COPY packages/api/src packages/api/src
COPY packages/telemetry/src packages/telemetry/src
COPY packages/kit/src packages/kit/src
COPY packages/kube/src packages/kube/src
COPY packages/operator/src packages/operator/src
# ES modules with every dependency; createRequire serves the CommonJS ones. Split, as the operator's
# own build is (packages/operator/package.json): @kubernetes/client-node and the OpenTelemetry SDK,
# imported only for exec kubeconfigs and tracing, are chunks loaded only then (BENCHMARKS.md: the
# resident memory of a start fell from 137 to 50 MiB).
RUN npx esbuild packages/operator/src/main.ts --bundle --splitting --platform=node --target=node20 --format=esm \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
      --outdir=/out --out-extension:.js=.mjs

# Distroless: no shell, no package manager; the nonroot variant runs as uid/gid 65532. The bundle
# has no native addons (its dependencies are pure JavaScript).
FROM ${RUNTIME_IMAGE}
COPY --from=build /out/ /app/
# V8's heap flags, the value of OPERATOR_NODE_OPTIONS (packages/api; dockerfiles.test.ts checks it),
# which the Deployment sets as well: sized so V8 collects within the container's memory limit.
ENV NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=2"
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/main.mjs"]
