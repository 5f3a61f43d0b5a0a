# syntax=docker/dockerfile:1.7
# The MQTT broker of the platform (stacks/src/platform/broker.ts) built from Debian's mosquitto
# package, for sites that pull no image from outside or run only images they built; published
# under edgefleet's registry, never as eclipse-mosquitto, for amd64 and arm64:
#   docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/mosquitto.Dockerfile \
#     -t ghcr.io/edgefleet/mosquitto:0.1.0 --push .
# The platform runs it when broker.image names it (Pulumi config edgefleet:broker.image, Helm value
# broker.image; docs/pulumi.md); the default stays the pinned upstream image. Its Mosquitto is the
# release of the base's Debian suite (bookworm), not the upstream image's. The same contract as
# that image: mosquitto on the PATH (/usr/sbin), run as uid and gid 1883 (the broker pod's user),
# its config in /mosquitto/config, which the pod mounts.

# The base, overridable for registries that mirror it or machines that assemble their own
# (tools/edgefleet images build passes its Debian base, which carries Node.js as well).
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE}
# The package makes a system user mosquitto with whatever uid is free; it gets the upstream image's
# 1883, which the pod's runAsUser names, along with the files the package gave it.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends mosquitto \
 && old="$(id -u mosquitto):$(id -g mosquitto)" \
 && groupmod --gid 1883 mosquitto && usermod --uid 1883 --gid 1883 mosquitto \
 && find / -xdev \( -uid "${old%:*}" -o -gid "${old#*:}" \) -exec chown -h mosquitto:mosquitto {} + \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && mosquitto -h | head -1
USER 1883:1883
EXPOSE 8883
ENTRYPOINT ["/usr/sbin/mosquitto"]
CMD ["-c", "/mosquitto/config/mosquitto.conf"]
