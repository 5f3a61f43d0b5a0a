# Toolchain components. Sourced by install.sh. Each component <c> defines:
#   comp_<c>_version     the pinned version (the cache key)
#   comp_<c>_binaries    the binaries it provides, one a line
#   comp_<c>_on_path     prints a directory of fitting binaries already installed, or fails
#   comp_<c>_build DIR V builds version V with DIR as scratch; binaries go to DIR/out
# Builds run in a subshell with their output sent to the component's log.

COMPONENTS=(kubernetes etcd kwok pulumi pulumi-nodejs pulumi-kubernetes)

export CGO_ENABLED=0
# -v names each package as it compiles, so the log (and the heartbeat) shows progress.
GO_BUILD=(go build -v -trimpath -buildvcs=false)

# Path of a Go module's go.mod in the module cache, downloading it if needed.
gomod_path() {
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p'
}

# Starts a throwaway wrapper module in the current directory: upstream commands whose
# own go.mod uses local replace directives cannot be built with `go install mod@version`.
wrapper_module() {
  go mod init "edgefleet.local/toolchain/$1"
  go mod edit -go="$(go env GOVERSION | sed 's/^go//')"
}

# Directory holding all of the named binaries on PATH, when every check passes.
# Usage: dir_on_path BINARY... ; prints the directory of the first one.
dir_on_path() {
  local b first=""
  for b in "$@"; do
    command -v "$b" >/dev/null 2>&1 || return 1
    [ -n "$first" ] || first=$(dirname "$(command -v "$b")")
  done
  printf '%s' "$first"
}

# --- Kubernetes control plane -------------------------------------------------------------
comp_kubernetes_version() { echo "$KUBE_VERSION"; }
comp_kubernetes_binaries() { printf '%s\n' kube-apiserver kube-controller-manager kube-scheduler; }
comp_kubernetes_on_path() {
  # Any patch release of the pinned minor fits: kwokctl picks its flags by minor version.
  local v
  v=$(kube-apiserver --version 2>/dev/null | extract_version) || return 1
  same_minor "$v" "$KUBE_VERSION" || return 1
  v=$(kube-controller-manager --version 2>/dev/null | extract_version) && same_minor "$v" "$KUBE_VERSION" || return 1
  v=$(kube-scheduler --version 2>/dev/null | extract_version) && same_minor "$v" "$KUBE_VERSION" || return 1
  dir_on_path kube-apiserver kube-controller-manager kube-scheduler
}
comp_kubernetes_build() {
  local scratch=$1 v=$2 mod staging minor
  cd "$scratch"
  wrapper_module kubernetes
  mod=$(gomod_path "k8s.io/kubernetes@$v")
  # k8s.io/kubernetes requires its staging modules as v0.0.0 replaced by local paths;
  # point each at its published v0.<minor>.<patch> instead.
  staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$mod")
  [ -n "$staging" ] || { echo "no staging replaces found in $mod"; return 1; }
  for m in $staging; do go mod edit -replace="$m=$m@v0.${v#v1.}"; done
  local cmds=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler)
  # go get of the packages (not just the module) records go.sum entries for everything they import.
  go get "${cmds[@]/%/@$v}"
  minor=$(echo "$v" | cut -d. -f2)
  local ld="" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  "${GO_BUILD[@]}" -ldflags "-s -w$ld" -o out/ "${cmds[@]}"
}

# --- etcd -----------------------------------------------------------------------------------
comp_etcd_version() { echo "$ETCD_VERSION"; }
comp_etcd_binaries() { printf '%s\n' etcd etcdctl; }
comp_etcd_on_path() {
  local v
  v=$(etcd --version 2>/dev/null | extract_version) || return 1
  # Kubernetes 1.31+ needs etcd 3.5.11 or newer (Debian's 3.4 does not fit).
  version_ge "$v" 3.5.11 || return 1
  dir_on_path etcd etcdctl
}
comp_etcd_build() {
  local scratch=$1 v=$2
  cd "$scratch"
  wrapper_module etcd
  go get "go.etcd.io/etcd/server/v3@$v" "go.etcd.io/etcd/etcdctl/v3@$v"
  local ld="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$v"
  "${GO_BUILD[@]}" -ldflags "$ld" -o out/etcd "go.etcd.io/etcd/server/v3"
  "${GO_BUILD[@]}" -ldflags "$ld" -o out/etcdctl "go.etcd.io/etcd/etcdctl/v3"
}

# --- kwok -----------------------------------------------------------------------------------
comp_kwok_version() { echo "$KWOK_VERSION"; }
comp_kwok_binaries() { printf '%s\n' kwok kwokctl; }
comp_kwok_on_path() {
  local v
  v=$(kwokctl --version 2>/dev/null | extract_version) || return 1
  same_minor "$v" "$KWOK_VERSION" || return 1
  dir_on_path kwok kwokctl
}
comp_kwok_build() {
  local scratch=$1 v=$2
  # kwok has no replace directives: a plain go install works.
  GOBIN=$scratch/out go install -v -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${v#v}" \
    "sigs.k8s.io/kwok/cmd/kwok@$v" "sigs.k8s.io/kwok/cmd/kwokctl@$v"
}
