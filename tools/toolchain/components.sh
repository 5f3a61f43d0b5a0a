# Toolchain components. Sourced by install.sh. Each component <c> defines:
#   comp_<c>_version     the pinned version (the cache key)
#   comp_<c>_binaries    the binaries it provides, one a line
#   comp_<c>_on_path     prints a directory of fitting binaries already installed, or fails
#   comp_<c>_build DIR V builds version V with DIR as scratch; binaries go to DIR/out
# Builds run in a subshell with their output sent to the component's log.

COMPONENTS=(kubernetes etcd kwok pulumi pulumi-nodejs pulumi-kubernetes otelcol helm oras kubernetes-node containerd coredns kube-router python-tools python-federated triton cosign)
# Built only when named (install.sh cosign): cosign's cold build takes 23 minutes on 2 cores, and the
# suite verifies its recorded outputs (packages/edge-agent/fixtures/signatures) instead.
OPTIONAL_COMPONENTS=(cosign)
PULUMI_TAGS=osusergo,grpcnotrace
PULUMI_VERSION_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version

export CGO_ENABLED=0
# -v names each package as it compiles, so the log (and the heartbeat) shows progress.
GO_BUILD=(go build -v -trimpath -buildvcs=false)

# Path of a Go module's go.mod in the module cache, downloading it if needed.
gomod_path() {
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p'
}

# Starts a throwaway wrapper module in the current directory: upstream commands whose
# own go.mod uses local replace directives cannot be built with `go install mod@version`.
# Usage: wrapper_module NAME [UPSTREAM_GO_MOD]; the upstream's go directive and its
# replacements by published versions (not its local ../ paths) are carried over.
wrapper_module() {
  go mod init "edgefleet.local/toolchain/$1"
  local upstream=${2:-} goversion
  goversion=$(go env GOVERSION | sed 's/^go//')
  if [ -n "$upstream" ]; then
    goversion=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$upstream")
    local from to ver
    while read -r from to ver; do
      go mod edit -replace="$from=$to@$ver"
    done < <(sed -n 's#^\(replace\)\{0,1\}[[:space:]]*\([^ ]*\) => \([^ ./][^ ]*\) \(v[^ ]*\)$#\2 \3 \4#p' "$upstream")
  fi
  go mod edit -go="$goversion"
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
  kubernetes_build "$1" "$2" kubernetes kube-apiserver kube-controller-manager kube-scheduler
}
# Builds commands of k8s.io/kubernetes in a wrapper module.
# Usage: kubernetes_build SCRATCH VERSION WRAPPER_NAME COMMAND...
kubernetes_build() {
  local scratch=$1 v=$2 name=$3 mod staging minor
  shift 3
  cd "$scratch"
  wrapper_module "$name"
  mod=$(gomod_path "k8s.io/kubernetes@$v")
  # k8s.io/kubernetes requires its staging modules as v0.0.0 replaced by local paths;
  # point each at its published v0.<minor>.<patch> instead.
  staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$mod")
  [ -n "$staging" ] || { echo "no staging replaces found in $mod"; return 1; }
  for m in $staging; do go mod edit -replace="$m=$m@v0.${v#v1.}"; done
  local cmds=("${@/#/k8s.io/kubernetes/cmd/}")
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

# --- Pulumi CLI -------------------------------------------------------------------------------
# Follows @pulumi/pulumi in package.json: the CLI is backward compatible with older SDKs.
comp_pulumi_version() { local v; v=$(package_json_version @pulumi/pulumi) && echo "v$v"; }
comp_pulumi_binaries() { echo pulumi; }
comp_pulumi_on_path() {
  local v
  v=$(pulumi version 2>/dev/null | extract_version) || return 1
  version_ge "$v" "$(comp_pulumi_version)" || return 1
  dir_on_path pulumi
}
comp_pulumi_build() {
  local scratch=$1 v=$2 cmd=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  cd "$scratch"
  wrapper_module pulumi "$(gomod_path "github.com/pulumi/pulumi/pkg/v3@$v")"
  go get "$cmd@$v"
  "${GO_BUILD[@]}" -tags "$PULUMI_TAGS" -ldflags "-s -w -X $PULUMI_VERSION_VAR=$v" -o out/pulumi "$cmd"
}

# --- Pulumi Node.js language host ---------------------------------------------------------------
comp_pulumi-nodejs_version() { echo "$PULUMI_NODEJS_HOST_VERSION"; }
comp_pulumi-nodejs_binaries() { echo pulumi-language-nodejs; }
# A Pulumi installation ships its language host next to the CLI.
comp_pulumi-nodejs_on_path() { pulumi-language-nodejs --help >/dev/null 2>&1 && dir_on_path pulumi-language-nodejs; }
comp_pulumi-nodejs_build() {
  local scratch=$1 v=$2 cmd=github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
  cd "$scratch"
  wrapper_module pulumi-nodejs "$(gomod_path "github.com/pulumi/pulumi/sdk/v3@$v")"
  go get "$cmd@$v"
  "${GO_BUILD[@]}" -tags "$PULUMI_TAGS" -ldflags "-s -w -X $PULUMI_VERSION_VAR=$v" -o out/pulumi-language-nodejs "$cmd"
}

# --- Pulumi Kubernetes provider -------------------------------------------------------------------
# Follows @pulumi/kubernetes in package.json through the PULUMI_KUBERNETES_PROVIDERS table.
comp_pulumi-kubernetes_version() { local v; v=$(package_json_version @pulumi/kubernetes) && echo "v$v"; }
comp_pulumi-kubernetes_binaries() { echo pulumi-resource-kubernetes; }
comp_pulumi-kubernetes_on_path() {
  local v=${1:-$(comp_pulumi-kubernetes_version)} plugin
  # Where `pulumi plugin install resource kubernetes` puts it, else an ambient plugin on PATH.
  plugin=${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-kubernetes-$v
  if [ -x "$plugin/pulumi-resource-kubernetes" ]; then printf '%s' "$plugin"; return; fi
  dir_on_path pulumi-resource-kubernetes
}
# Prints "MODULE_VERSION STAMPED_VERSION" for an npm version, or fails naming the fix.
pulumi_kubernetes_provider() {
  local npm=${1#v} line
  for line in "${PULUMI_KUBERNETES_PROVIDERS[@]}"; do
    set -- $line
    if [ "$1" = "$npm" ]; then echo "$2 $3"; return; fi
  done
  echo "no provider module version known for @pulumi/kubernetes $npm: add it to PULUMI_KUBERNETES_PROVIDERS in tools/toolchain/versions.sh" >&2
  return 1
}
comp_pulumi-kubernetes_build() {
  local scratch=$1 v=$2 coords module stamp dir cmd=cmd/pulumi-resource-kubernetes
  coords=$(pulumi_kubernetes_provider "$v")
  read -r module stamp <<<"$coords"
  # The checksum database does not know these pseudo-versions; the provider's own go.sum,
  # copied below, pins everything it depends on.
  export GONOSUMDB=github.com/pulumi/pulumi-kubernetes/provider GOFLAGS=-mod=mod
  cd "$scratch"
  dir=$(go mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4@$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  wrapper_module pulumi-kubernetes "$dir/go.mod"
  cp "$dir/go.sum" go.sum
  chmod u+w go.sum
  # Upstream replaces the SDK module by its sibling directory; use the published tag instead.
  go mod edit -require="github.com/pulumi/pulumi-kubernetes/provider/v4@$module" -require="github.com/pulumi/pulumi-kubernetes/sdk/v4@$v"
  # The command go:embeds schema files generated from the tracked schema.json: generate them
  # in a writable copy of the command directory.
  mkdir -p "$cmd"
  cp "$dir/$cmd"/* "$cmd"/
  chmod -R u+w "$cmd"
  go mod tidy
  (cd "$cmd" && VERSION=$stamp go run generate.go)
  "${GO_BUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$stamp" \
    -o out/pulumi-resource-kubernetes "./$cmd"
}

# --- OpenTelemetry Collector ----------------------------------------------------------------------
# A distribution of our own, named so that it never stands in for (or is taken for) a system otelcol.
comp_otelcol_version() { echo "$OTELCOL_VERSION"; }
comp_otelcol_binaries() { echo otelcol-edgefleet; }
comp_otelcol_on_path() {
  local v
  v=$(otelcol-edgefleet --version 2>/dev/null | extract_version) || return 1
  [ "$v" = "${OTELCOL_VERSION#v}" ] || return 1
  dir_on_path otelcol-edgefleet
}
comp_otelcol_build() {
  local scratch=$1 v=$2 core=$OTELCOL_CORE_VERSION stable=$OTELCOL_CORE_STABLE_VERSION
  local collector=go.opentelemetry.io/collector contrib=github.com/open-telemetry/opentelemetry-collector-contrib
  cd "$scratch"
  # The collector builder (ocb) of the core release generates main.go and components.go for the
  # manifest's components, as that release's API wants them.
  GOBIN=$scratch/bin go install -v -trimpath "$collector/cmd/builder@$core"
  cat >manifest.yaml <<EOF
dist:
  name: otelcol-edgefleet
  description: edgefleet local OpenTelemetry Collector (OTLP receiver; file and debug exporters)
  version: ${v#v}
  output_path: $scratch/src
receivers:
  - gomod: $collector/receiver/otlpreceiver $core
exporters:
  - gomod: $collector/exporter/debugexporter $core
  - gomod: $contrib/exporter/fileexporter $v
providers:
  - gomod: $collector/confmap/provider/envprovider $stable
  - gomod: $collector/confmap/provider/fileprovider $stable
  - gomod: $collector/confmap/provider/yamlprovider $stable
EOF
  # Sources only. ocb's module step (go mod tidy) resolves the components' tests too, and the proxy
  # refuses (403) the source of a module only the file exporter's tests import (contrib's
  # extension/encoding/otlpencodingextension); its build step would hide go build -v.
  bin/builder --config manifest.yaml --skip-get-modules --skip-compilation
  # "module version", one a line; each component's package is its module's root.
  local mods
  mods=$(sed -n 's/^ *- gomod: //p' manifest.yaml)
  cd src
  wrapper_module otelcol
  # go get of the packages records go.sum entries for everything they import, not their tests.
  go get $(sed 's/ /@/' <<<"$mods") "$collector/otelcol@$core" "$collector/service/telemetry/otelconftelemetry@$core"
  # ocb's strict versioning, by hand: a module resolved above its pin means the pins are not one
  # collector release.
  local m want got
  while read -r m want; do
    got=$(go list -m -f '{{.Version}}' "$m")
    [ "$got" = "$want" ] || { echo "$m resolved to $got, not the pinned $want: pin one collector release in tools/toolchain/versions.sh"; return 1; }
  done <<<"$mods
$collector/otelcol $core"
  "${GO_BUILD[@]}" -ldflags "-s -w" -o "$scratch/out/otelcol-edgefleet" .
}

# --- Helm CLI -------------------------------------------------------------------------------------
comp_helm_version() { echo "$HELM_VERSION"; }
comp_helm_binaries() { echo helm; }
comp_helm_on_path() {
  local v
  v=$(helm version --template '{{.Version}}' 2>/dev/null | extract_version) || return 1
  # The chart is apiVersion v2, which Helm 3 and 4 both read; lint and install behave alike within a minor.
  same_minor "$v" "$HELM_VERSION" || return 1
  dir_on_path helm
}
comp_helm_build() {
  local scratch=$1 v=$2 pkg=helm.sh/helm/v4/internal/version
  # As upstream's Makefile stamps a tagged release (metadata empty: not "unreleased").
  GOBIN=$scratch/out go install -v -trimpath \
    -ldflags "-s -w -X $pkg.version=$v -X $pkg.metadata= -X $pkg.gitTreeState=clean" "helm.sh/helm/v4/cmd/helm@$v"
}

# --- ORAS CLI ---------------------------------------------------------------------------------------
# Pushes and pulls model artifacts in the artifact tests, as users do (test/artifacts/oras.test.ts).
comp_oras_version() { echo "$ORAS_VERSION"; }
comp_oras_binaries() { echo oras; }
comp_oras_on_path() {
  local v
  # "Version:        1.3.6" first: the manifest layout `oras push` writes follows the minor.
  v=$(oras version 2>/dev/null | grep -E '^Version' | extract_version) || return 1
  same_minor "$v" "$ORAS_VERSION" || return 1
  dir_on_path oras
}
comp_oras_build() {
  local scratch=$1 v=$2 pkg=oras.land/oras/internal/version
  # The version itself is in the source; as upstream's Makefile stamps a release (no "+metadata").
  GOBIN=$scratch/out go install -v -trimpath \
    -ldflags "-s -w -X $pkg.GitTreeState=clean" "oras.land/oras/cmd/oras@$v"
}

# --- Kubernetes node (real worker nodes next to the kwok fleet) ---------------------------------------
# The kubelet and kube-proxy of the control plane's release, built like it.
comp_kubernetes-node_version() { echo "$KUBE_VERSION"; }
comp_kubernetes-node_binaries() { printf '%s\n' kubelet kube-proxy pause; }
# A kubelet on PATH fits only with kube-proxy and the static pause binary the sandbox image is made
# of next to it, all of the control plane's minor: what this component installs, and what no
# system package lays out that way.
comp_kubernetes-node_on_path() {
  local v
  v=$(kubelet --version 2>/dev/null | extract_version) && same_minor "$v" "$KUBE_VERSION" || return 1
  v=$(kube-proxy --version 2>/dev/null | extract_version) && same_minor "$v" "$KUBE_VERSION" || return 1
  dir_on_path kubelet kube-proxy pause
}
comp_kubernetes-node_build() {
  kubernetes_build "$1" "$2" kubernetes-node kubelet kube-proxy
  # The pod sandbox's process: no sandbox image can be pulled here, so the real nodes assemble one
  # around this static build of Kubernetes' own pause.c.
  local src
  src=$(go mod download -json "k8s.io/kubernetes@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  gcc -Os -static -DVERSION="$2" -o "$1/out/pause" "$src/build/pause/linux/pause.c"
}

# --- containerd -------------------------------------------------------------------------------------
# Kubernetes 1.36 supports containerd 2.x only (Debian ships 1.6). Static, cgo-free builds: the
# btrfs snapshotter (cgo) is left out; overlayfs and native are what the kubelet uses.
comp_containerd_version() { echo "$CONTAINERD_VERSION"; }
comp_containerd_binaries() { printf '%s\n' containerd containerd-shim-runc-v2 ctr; }
comp_containerd_on_path() {
  local v
  v=$(containerd --version 2>/dev/null | extract_version) || return 1
  version_ge "$v" 2.0.0 || return 1
  dir_on_path containerd containerd-shim-runc-v2 ctr
}
comp_containerd_build() {
  local scratch=$1 v=$2 mod=github.com/containerd/containerd/v2
  cd "$scratch"
  wrapper_module containerd "$(gomod_path "$mod@$v")"
  go get "$mod/cmd/containerd@$v" "$mod/cmd/containerd-shim-runc-v2@$v" "$mod/cmd/ctr@$v"
  local ld="-s -w -X $mod/version.Version=$v -X $mod/version.Package=$mod"
  "${GO_BUILD[@]}" -tags urfave_cli_no_docs,osusergo,netgo -ldflags "$ld" -o out/ "$mod/cmd/containerd" "$mod/cmd/ctr"
  # The shim leaves out gRPC (it serves ttrpc only), as upstream's build does.
  "${GO_BUILD[@]}" -tags urfave_cli_no_docs,osusergo,netgo,no_grpc -ldflags "$ld" -o out/ "$mod/cmd/containerd-shim-runc-v2"
}

# --- CoreDNS ----------------------------------------------------------------------------------------
# The real nodes' cluster DNS. Upstream's main imports every plugin (clouds, etcd, dnstap...); this
# wrapper imports only those of the Corefile in tools/src/cluster/coredns.ts, in upstream's execution
# order (plugin.cfg), which keeps the build to the kubernetes plugin's client-go and little else.
COREDNS_PLUGINS=(reload bind ready health errors cache kubernetes loop forward)
comp_coredns_version() { echo "$COREDNS_VERSION"; }
comp_coredns_binaries() { echo coredns-edgefleet; }
# Named for this build, like otelcol-edgefleet: a system coredns may lack a plugin the Corefile uses.
comp_coredns_on_path() {
  local v
  v=$(coredns-edgefleet -version 2>/dev/null | extract_version) || return 1
  [ "$v" = "${COREDNS_VERSION#v}" ] || return 1
  dir_on_path coredns-edgefleet
}
comp_coredns_build() {
  local scratch=$1 v=$2 mod=github.com/coredns/coredns p
  cd "$scratch"
  wrapper_module coredns "$(gomod_path "$mod@$v")"
  {
    echo "package main"
    echo "import ("
    echo "  \"$mod/core/dnsserver\""
    echo "  \"$mod/coremain\""
    for p in "${COREDNS_PLUGINS[@]}"; do echo "  _ \"$mod/plugin/$p\""; done
    echo ")"
    echo "func main() {"
    printf '  if err := dnsserver.SetDirectives([]string{%s}); err != nil {\n    panic(err)\n  }\n' \
      "$(printf '"%s",' "${COREDNS_PLUGINS[@]}")"
    echo "  coremain.Run()"
    echo "}"
  } >main.go
  gofmt -w main.go
  # go get of the packages, not the module: its root package (upstream's main) imports every
  # plugin, and go mod tidy would fetch their tests' dependencies too (clouds, etcd: ~250 MB).
  local pkgs=(coremain core/dnsserver "${COREDNS_PLUGINS[@]/#/plugin/}")
  pkgs=("${pkgs[@]/#/$mod/}")
  go get "${pkgs[@]/%/@$v}"
  "${GO_BUILD[@]}" -ldflags "-s -w -X $mod/coremain.GitCommit=$v" -o out/coredns-edgefleet .
}

# --- kube-router ------------------------------------------------------------------------------------
# The real nodes' NetworkPolicy enforcement: run with only its firewall controller (see
# tools/src/cluster/real-nodes.ts), in iptables and ipset (system-packages.sh).
comp_kube-router_version() { echo "$KUBE_ROUTER_VERSION"; }
comp_kube-router_binaries() { echo kube-router; }
comp_kube-router_on_path() {
  local v
  # "Running PATH version vX.Y.Z, built on ..." on stderr: the path may hold digits of its own.
  v=$(kube-router --version 2>&1 | grep -oE 'version v[0-9.]+' | extract_version) || return 1
  [ "$v" = "${KUBE_ROUTER_VERSION#v}" ] || return 1
  dir_on_path kube-router
}
comp_kube-router_build() {
  local scratch=$1 v=$2 pkg=github.com/cloudnativelabs/kube-router/v2/pkg/version
  GOBIN=$scratch/out go install -v -trimpath -ldflags "-s -w -X $pkg.Version=$v" \
    "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$v"
}

# --- cosign -----------------------------------------------------------------------------------------
# Signs model files in the artifact tests (test/artifacts/), as users do before the agent verifies.
comp_cosign_version() { echo "$COSIGN_VERSION"; }
comp_cosign_binaries() { echo cosign; }
comp_cosign_on_path() {
  local v
  # "GitVersion:    v3.1.3" among other lines: the signature and bundle formats follow the major.
  v=$(cosign version 2>/dev/null | grep -E '^GitVersion' | extract_version) || return 1
  same_minor "$v" "$COSIGN_VERSION" || return 1
  dir_on_path cosign
}
comp_cosign_build() {
  local scratch=$1 v=$2 pkg=sigs.k8s.io/release-utils/version
  # As upstream's Makefile stamps a release.
  GOBIN=$scratch/out go install -v -trimpath \
    -ldflags "-s -w -X $pkg.gitVersion=$v -X $pkg.gitTreeState=clean" "github.com/sigstore/cosign/v3/cmd/cosign@$v"
}

# --- Triton --------------------------------------------------------------------------------------
# tritonserver from PyPI's nvidia-pytriton wheel: the server binary, its libraries and the Python
# backend, unpacked (no venv: the rest of PyTriton, its Python API, is not needed). The wheel's
# binary finds its libraries relative to itself, so the layout under triton/ is the wheel's.
comp_triton_version() { echo "$PYTRITON_VERSION"; }
comp_triton_binaries() { echo tritonserver; }
comp_triton_on_path() {
  local v
  # "server_version 2.51.0" is Triton's, not the wheel's: only the toolchain's own build is taken.
  v=$(readlink -f "$(command -v tritonserver)" 2>/dev/null) || return 1
  [ "$(basename "$(dirname "$v")")" = "$PYTRITON_VERSION" ] || return 1
  dirname "$v"
}
comp_triton_build() {
  local scratch=$1 v=$2
  python3 -m venv "$scratch/pip"
  PIP_FIND_LINKS= PIP_EXTRA_INDEX_URL= "$scratch/pip/bin/python" -m pip download --disable-pip-version-check --no-deps \
    --only-binary=:all: --index-url https://pypi.org/simple -d "$scratch/wheel" "nvidia-pytriton==$v"
  "$scratch/pip/bin/python" - "$scratch" <<'PY'
import glob, os, sys, zipfile
scratch = sys.argv[1]
[wheel] = glob.glob(f"{scratch}/wheel/nvidia_pytriton-*.whl")
keep = ("pytriton/tritonserver/bin/", "pytriton/tritonserver/backends/", "pytriton/tritonserver/caches/", "nvidia_pytriton.libs/")
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if info.filename.startswith(keep):
            path = z.extract(info, f"{scratch}/out/triton")
            # Wheels keep the mode in the upper 16 bits; zipfile does not restore it.
            os.chmod(path, (info.external_attr >> 16) & 0o777 or 0o644)
PY
  chmod +x "$scratch/out/triton/pytriton/tritonserver/bin/tritonserver"
  printf '%s\n' '#!/bin/sh' "# tritonserver $v of nvidia-pytriton (tools/toolchain/components.sh)." \
    'exec "$(dirname "$(readlink -f "$0")")/triton/pytriton/tritonserver/bin/tritonserver" "$@"' >"$scratch/out/tritonserver"
  chmod +x "$scratch/out/tritonserver"
}

# --- Python venvs -----------------------------------------------------------------------------------
# Each a venv of pinned PyPI packages (a requirements file), keyed by that file and the Python minor
# version: a new pin is a new venv, never an edit of a cached one. Its commands are linked through
# wrappers, because a venv's own scripts name its interpreter by the absolute path it was built at
# (the scratch directory), while the interpreter itself finds the venv from where it is.
# Usage of the helpers: venv_* REQUIREMENTS INTERPRETER COMMAND...
venv_version() {
  local py hash
  py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])') || return 1
  hash=$(sha256sum "$1" | cut -c1-12)
  echo "py$py-$hash"
}
# From PATH only this very venv (built in another cache, its commands linked): its directory is
# named by the key, and only a venv of these pins holds exactly these versions.
venv_on_path() {
  local requirements=$1 cmd dir first="" key
  shift 2
  key=$(venv_version "$requirements") || return 1
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || return 1
    dir=$(dirname "$(readlink -f "$(command -v "$cmd")")")
    [ "$(basename "$dir")" = "$key" ] || return 1
    [ -n "$first" ] || first=$dir
  done
  printf '%s' "$first"
}
# Usage: venv_build SCRATCH REQUIREMENTS INTERPRETER COMMAND...
venv_build() {
  local scratch=$1 requirements=$2 interpreter=$3 venv=$1/out/venv cmd
  shift 3
  python3 -m venv "$venv" || {
    echo "python3 -m venv failed: on Debian, apt-get install python3-venv"
    return 1
  }
  # PyPI only: no extra index or local wheel directory from the environment.
  PIP_FIND_LINKS= PIP_EXTRA_INDEX_URL= "$venv/bin/python" -m pip install --disable-pip-version-check \
    --index-url https://pypi.org/simple -r "$requirements"
  for cmd in "$@"; do
    [ -f "$venv/bin/$cmd" ] || { echo "no command $cmd in the venv: is its package in $requirements?"; return 1; }
    printf '%s\n' '#!/bin/sh' "# $cmd of the edgefleet venv of $(basename "$requirements") (tools/toolchain/components.sh)." \
      'venv=$(dirname "$(readlink -f "$0")")/venv' "exec \"\$venv/bin/python\" \"\$venv/bin/$cmd\" \"\$@\"" >"$scratch/out/$cmd"
    chmod +x "$scratch/out/$cmd"
  done
  printf '%s\n' '#!/bin/sh' "# The interpreter of the edgefleet venv of $(basename "$requirements") (tools/toolchain/components.sh)." \
    'exec "$(dirname "$(readlink -f "$0")")/venv/bin/python" "$@"' >"$scratch/out/$interpreter"
  chmod +x "$scratch/out/$interpreter"
}

# The Python tools (python-requirements.txt). venv-python: the venv's interpreter, for edgefleet's own
# Python programs (the OpenVINO and TFLite runtimes' workers, packages/openvino-runtime and
# packages/tflite-runtime; the model builds), which import the venv's packages.
PYTHON_REQUIREMENTS=$REPO_ROOT/tools/toolchain/python-requirements.txt
comp_python-tools_version() { venv_version "$PYTHON_REQUIREMENTS"; }
comp_python-tools_binaries() { printf '%s\n' "${PYTHON_TOOLS_COMMANDS[@]}" venv-python; }
comp_python-tools_on_path() { venv_on_path "$PYTHON_REQUIREMENTS" venv-python "${PYTHON_TOOLS_COMMANDS[@]}"; }
comp_python-tools_build() { venv_build "$1" "$PYTHON_REQUIREMENTS" venv-python "${PYTHON_TOOLS_COMMANDS[@]}"; }

# Federated learning (python-federated-requirements.txt): Flower, its SuperLink and SuperNode, and
# dp-accounting, in a venv of their own because Flower pins protobuf, packaging and rich below the
# Python tools' versions. federated-python: its interpreter, for the Flower app
# (tools/src/federated/app) and its privacy accountant.
FEDERATED_REQUIREMENTS=$REPO_ROOT/tools/toolchain/python-federated-requirements.txt
comp_python-federated_version() { venv_version "$FEDERATED_REQUIREMENTS"; }
comp_python-federated_binaries() { printf '%s\n' "${FEDERATED_COMMANDS[@]}" federated-python; }
comp_python-federated_on_path() { venv_on_path "$FEDERATED_REQUIREMENTS" federated-python "${FEDERATED_COMMANDS[@]}"; }
comp_python-federated_build() { venv_build "$1" "$FEDERATED_REQUIREMENTS" federated-python "${FEDERATED_COMMANDS[@]}"; }
