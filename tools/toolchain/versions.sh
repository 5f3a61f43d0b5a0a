# Pinned versions of the local platform's toolchain. Sourced by install.sh.
#
# The Pulumi CLI and Kubernetes provider versions are NOT pinned here: they follow the
# versions of @pulumi/pulumi and @pulumi/kubernetes in stacks/package.json, so a
# version bump happens in one place. Go module coordinates that differ from the npm
# version (untagged modules published only as pseudo-versions) are mapped below.

# Kubernetes control plane (kube-apiserver, kube-controller-manager, kube-scheduler).
# Staging modules k8s.io/* are published as v0.<minor>.<patch>.
KUBE_VERSION=v1.36.3

# containerd for the real worker nodes (kubelet, kube-proxy: KUBE_VERSION). Kubernetes 1.36
# supports containerd 2.x only.
CONTAINERD_VERSION=v2.4.2

# etcd server and etcdctl. Kubernetes >= 1.31 needs etcd >= 3.5.11.
ETCD_VERSION=v3.6.16

# kwok (node/pod simulator) and kwokctl (cluster manager).
KWOK_VERSION=v0.8.0

# Pulumi's Node.js language host. Since sdk v3.69.0 it is a module of its own
# (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that is published only
# untagged, and the Go module proxy serves none of its versions; v3.68.0 is the newest release
# where it is still a package of github.com/pulumi/pulumi/sdk/v3. Newer CLIs talk to it through
# the same gRPC protocol and fall back where it lacks a newer call (see docs/local-platform.md).
PULUMI_NODEJS_HOST_VERSION=v3.68.0

# The Kubernetes provider module (github.com/pulumi/pulumi-kubernetes/provider/v4) is published
# only as pseudo-versions of commits. Each line maps an @pulumi/kubernetes npm version (set in
# package.json) to the provider commit the proxy serves and the version stamped into the binary.
#   npm version   provider/v4 module version               stamped version
PULUMI_KUBERNETES_PROVIDERS=(
  "4.25.0 v4.0.0-20260115033456-f47bc2d6f199 4.25.0-alpha.1768448096+f47bc2d6"
)

# OpenTelemetry Collector distribution otelcol-edgefleet (OTLP receiver; file and debug
# exporters), for tests of the operator's OTLP traces. A collector release is three version lines
# that must agree: contrib modules (the file exporter) at v0.<minor>.<patch>; core's beta modules
# (builder, otelcol, otlpreceiver, debugexporter) at v0.<minor>.x; core's stable modules (confmap
# providers, pdata) at v1.<n>.x. Contrib v0.165.1 requires core v0.165.0 and v1.71.0 (the
# builder's own defaults) and go >= 1.26.0. OTELCOL_VERSION is the distribution's version (stamped
# into the binary, the cache key): like the official otelcol-contrib releases, contrib's. Bump the
# three together; the build fails when a module resolves above its pin.
OTELCOL_VERSION=v0.165.1
OTELCOL_CORE_VERSION=v0.165.0
OTELCOL_CORE_STABLE_VERSION=v1.71.0

# Helm CLI (helm.sh/helm/v4, cmd/helm), for the chart's lint and install tests. No replace
# directives upstream: a plain go install works.
HELM_VERSION=v4.3.2

# ORAS CLI (oras.land/oras, cmd/oras), for the artifact tests' interop with what users push and
# pull (test/artifacts/oras.test.ts). No replace directives upstream: a plain go install works.
# Needs go >= 1.26.7.
ORAS_VERSION=v1.3.6

# CoreDNS, the cluster DNS of the real worker nodes: a build with only the plugins the local
# cluster's Corefile uses (see comp_coredns_build). Needs go >= 1.26.0.
COREDNS_VERSION=v1.15.0

# kube-router, only its network-policy controller: it enforces NetworkPolicies on the real worker
# nodes (the bridge CNI plugin does not). v2.1.0 is the newest version the Go module proxy serves
# (later tags are not published as module versions); its NetworkPolicy v1 client works against the
# pinned apiserver. No replace directives upstream: a plain go install works.
KUBE_ROUTER_VERSION=v2.1.0

# cosign (optional: built only when named), to re-make the recorded cosign signatures the artifact
# tests verify (packages/edge-agent/fixtures/signatures: sign-blob with a key, plain and bundles). No replace directives upstream: a plain go install works.
# Needs go >= 1.26.0.
COSIGN_VERSION=v3.1.3

# NVIDIA Triton Inference Server (tritonserver), for the test of the catalog's TensorRT runtime (its flags)
# and the model loader against the real server (test/runtime/triton.test.ts). NVIDIA ships Triton with its
# TensorRT backend only as container images; PyPI's nvidia-pytriton wheel bundles the server (Triton 2.51.0
# in 0.7.0) with the Python backend only, which is what the toolchain takes from it (docs/images.md).
PYTRITON_VERSION=0.7.0

# Python tools, in one venv built from tools/toolchain/python-requirements.txt (exact versions from
# PyPI; the file's hash is the cache key). The venv's commands the toolchain links, one wrapper
# each: model_signing (OpenSSF model signing) for the artifact signature tests; ovc (OpenVINO's
# model converter) to make OpenVINO IR. Besides them the toolchain links venv-python, the venv's
# interpreter, which the OpenVINO and TFLite runtimes' workers, the IR builder and the TFLite
# test-model writer run on.
PYTHON_TOOLS_COMMANDS=(model_signing ovc)

# Federated learning, in a venv of its own built from tools/toolchain/python-federated-requirements.txt
# (the same way; Flower's pins conflict with the Python tools'). Its commands the toolchain links:
# Flower's SuperLink and SuperNode, which tools/edgefleet fl run starts, flwr (its CLI, which submits
# the app), and the ones they start by name from PATH: flower-superexec, which each of them runs to
# launch app processes, and flwr-serverapp and flwr-clientapp, one process per ServerApp run and per
# message a device handles. Besides them, federated-python, the venv's interpreter.
FEDERATED_COMMANDS=(flower-superlink flower-supernode flower-superexec flwr flwr-serverapp flwr-clientapp)
