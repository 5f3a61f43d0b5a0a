#!/usr/bin/env bash
# The services edgefleet runs for real in the local platform and its tests, from the Debian
# archive (no download sites): Mosquitto (MQTT broker, and mosquitto_pub/sub for debugging),
# Prometheus with promtool, the OCI registry for model artifacts, the container tools
# `tools/edgefleet images` builds with (buildah, skopeo, mmdebstrap for the base image), and what
# real worker nodes need. Idempotent and quiet when everything is present.
set -euo pipefail

# binary:package; sbin paths are checked directly because they are not on every user's PATH.
WANTED=(
  "/usr/sbin/mosquitto:mosquitto"
  "/usr/bin/mosquitto_pub:mosquitto-clients"
  "/usr/bin/prometheus:prometheus"
  "/usr/bin/promtool:prometheus"
  # Real worker nodes (cluster start --real-nodes): runc under containerd, the CNI plugins, iptables
  # for kube-proxy and kube-router, ipset for kube-router's NetworkPolicy rules, conntrack for
  # kube-proxy's UDP cleanup, umoci to assemble images without a daemon,
  # busybox-static and openssl (a TLS client for in-cluster API checks) for the tests' image, and
  # gcc with a static libc for the pause binary.
  "/usr/sbin/runc:runc"
  "/usr/lib/cni/host-local:containernetworking-plugins"
  "/usr/sbin/iptables:iptables"
  "/usr/sbin/conntrack:conntrack"
  "/usr/sbin/ipset:ipset"
  "/usr/bin/umoci:umoci"
  "/bin/busybox:busybox-static"
  "/usr/bin/openssl:openssl"
  "/usr/bin/gcc:gcc"
  "/usr/include/stdio.h:libc6-dev"
  # Images (tools/edgefleet images): buildah builds the Dockerfiles, skopeo moves OCI archives,
  # mmdebstrap makes the Debian base.
  "/usr/bin/buildah:buildah"
  "/usr/bin/skopeo:skopeo"
  "/usr/bin/mmdebstrap:mmdebstrap"
  # OCI artifacts (test/artifacts, tools/src/services/oci-registry.ts): CNCF Distribution, the
  # reference registry, and htpasswd for its bcrypt password file.
  "/usr/bin/docker-registry:docker-registry"
  "/usr/bin/htpasswd:apache2-utils"
  # K3s provisioning over SSH (test/stacks/k3s-ssh.test.ts): a real sshd for the hosts, and
  # ssh-keygen (openssh-client, which it pulls in) for their keys.
  "/usr/sbin/sshd:openssh-server"
  # The Python tools venv (tools/toolchain/components.sh, python-tools): python3 and its venv module.
  "/usr/bin/python3:python3-venv"
)

missing=()
for entry in "${WANTED[@]}"; do
  bin=${entry%%:*} pkg=${entry#*:}
  if [ ! -x "$bin" ] && ! command -v "$(basename "$bin")" >/dev/null 2>&1; then
    [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: missing ${missing[*]}; install them with your package manager (edgefleet expects Mosquitto >= 2.0 and Prometheus >= 2.42)" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
log=${EDGEFLEET_CACHE:-$HOME/.cache/edgefleet}/apt-install.log
mkdir -p "$(dirname "$log")"
echo "setup: installing ${missing[*]} from the Debian archive (log: $log)..." >&2
# No services are started: the Debian units are never used, edgefleet runs its own instances.
if ! { "${sudo[@]}" apt-get update && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  echo "setup: apt-get install ${missing[*]} failed; last lines of $log:" >&2
  tail -20 "$log" >&2
  exit 1
fi
