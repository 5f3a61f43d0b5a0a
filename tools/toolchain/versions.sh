# Pinned versions of the local platform's toolchain. Sourced by install.sh.
#
# The Pulumi CLI and Kubernetes provider versions are NOT pinned here: they follow the
# versions of @pulumi/pulumi and @pulumi/kubernetes in the root package.json, so a
# version bump happens in one place. Go module coordinates that differ from the npm
# version (untagged modules published only as pseudo-versions) are mapped below.

# Kubernetes control plane (kube-apiserver, kube-controller-manager, kube-scheduler).
# Staging modules k8s.io/* are published as v0.<minor>.<patch>.
KUBE_VERSION=v1.36.3

# etcd server and etcdctl. Kubernetes >= 1.31 needs etcd >= 3.5.11.
ETCD_VERSION=v3.6.16

# kwok (node/pod simulator) and kwokctl (cluster manager).
KWOK_VERSION=v0.8.0
