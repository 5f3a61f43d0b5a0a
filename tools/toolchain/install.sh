#!/usr/bin/env bash
# Builds the local platform's toolchain from Go modules into a versioned cache, or finds
# fitting binaries already on PATH. Safe to interrupt and re-run: each component is built
# in a scratch directory and moved into place with one rename, so a half-built component
# is never mistaken for a finished one.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/toolchain/lib.sh
. "$HERE/lib.sh"
# shellcheck source=tools/toolchain/versions.sh
. "$HERE/versions.sh"
# shellcheck source=tools/toolchain/components.sh
. "$HERE/components.sh"

usage() {
  cat <<EOF
Usage: tools/toolchain/install.sh [--no-path] [--list] [COMPONENT...]

Builds the local platform's toolchain (Kubernetes control plane, kubelet and kube-proxy,
containerd, CoreDNS, kube-router, etcd, kwok, Pulumi CLI, Node.js language host, Kubernetes provider, OpenTelemetry
Collector, Helm, ORAS) from Go modules, a venv of pinned Python tools and Triton's server from PyPI, caching
each by version under
  $TOOLCHAIN_DIR
and writes the resolved paths to
  $TOOLCHAIN_MANIFEST
with a PATH directory of links at
  $TOOLCHAIN_BIN

Without COMPONENT, every component but the optional ones (${OPTIONAL_COMPONENTS[*]}), which are
built only when named: cosign re-makes the signature fixtures (packages/edge-agent/fixtures/signatures).

Binaries already on PATH are used when their versions fit (see docs/local-platform.md).

Options:
  --no-path   ignore binaries on PATH; use or build the cached, pinned versions
  --list      print each component, its pinned version and where it resolves, then exit
  -h, --help  this help

Environment:
  EDGEFLEET_CACHE   cache root (default: ~/.cache/edgefleet)
  GOFLAGS, GOPROXY  passed to go as usual
EOF
}

USE_PATH=1
LIST_ONLY=0
SELECTED=()
while (($#)); do
  case $1 in
    --no-path) USE_PATH=0 ;;
    --list) LIST_ONLY=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) SELECTED+=("$1") ;;
  esac
  shift
done
if ! ((${#SELECTED[@]})); then
  for c in "${COMPONENTS[@]}"; do
    [[ " ${OPTIONAL_COMPONENTS[*]} " == *" $c "* ]] || SELECTED+=("$c")
  done
fi
for c in "${SELECTED[@]}"; do
  [[ " ${COMPONENTS[*]} " == *" $c "* ]] || die "unknown component '$c'; known: ${COMPONENTS[*]}"
done

mkdir -p "$TOOLCHAIN_BIN" "$TOOLCHAIN_LOGS" "$TOOLCHAIN_BUILD"

# One installer at a time per cache (parallel test workers, a second terminal).
exec 9>"$EDGEFLEET_CACHE/.install.lock"
if ! flock -n 9; then
  say "toolchain: another install is running on $EDGEFLEET_CACHE; waiting for it..."
  flock 9
fi

# Prints the directory holding the component's binaries, building it when needed.
resolve() {
  local c=$1 version dir onpath
  version=$("comp_${c}_version")
  if ((USE_PATH)) && onpath=$("comp_${c}_on_path" 2>/dev/null) && [ -n "$onpath" ]; then
    printf '%s' "$onpath"
    return
  fi
  dir=$TOOLCHAIN_DIR/$c/$version
  if [ -d "$dir" ]; then
    printf '%s' "$dir"
    return
  fi
  ((LIST_ONLY)) && return
  build "$c" "$version" "$dir"
  printf '%s' "$dir"
}

# Runs comp_<c>_build with its output in a log, a heartbeat on stderr, and an atomic install.
build() {
  local c=$1 version=$2 dir=$3 log scratch started pid rc=0
  log=$TOOLCHAIN_LOGS/$c-$version.log
  scratch=$TOOLCHAIN_BUILD/$c-$version
  rm -rf "$scratch"
  mkdir -p "$scratch/out"
  started=$(now)
  say "toolchain: building $c $version ($("comp_${c}_binaries" | tr '\n' ' ')) — log: $log"
  ( "comp_${c}_build" "$scratch" "$version" ) >"$log" 2>&1 &
  pid=$!
  local next=$((started + 60))
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (($(now) >= next)); then
      say "toolchain:   $c still building ($(human_duration $(($(now) - started)))): $(tail -n1 "$log" | cut -c1-100)"
      next=$((next + 60))
    fi
  done
  wait "$pid" || rc=$?
  if ((rc != 0)); then
    say "toolchain: FAILED to build $c $version (exit $rc). Last lines of $log:"
    tail -n 20 "$log" | sed 's/^/    /' >&2
    exit 1
  fi
  local b
  for b in $("comp_${c}_binaries"); do
    [ -x "$scratch/out/$b" ] || die "building $c $version produced no $b; see $log"
  done
  mkdir -p "$(dirname "$dir")"
  mv "$scratch/out" "$dir"
  rm -rf "$scratch"
  say "toolchain: built $c $version in $(human_duration $(($(now) - started)))"
}

manifest_tmp=$(mktemp "$EDGEFLEET_CACHE/.manifest.XXXXXX")
trap 'rm -f "$manifest_tmp"' EXIT
[ -f "$TOOLCHAIN_MANIFEST" ] && grep -v '^#' "$TOOLCHAIN_MANIFEST" >"$manifest_tmp" || true
total=${#SELECTED[@]}
i=0
for c in "${SELECTED[@]}"; do
  i=$((i + 1))
  dir=$(resolve "$c")
  if ((LIST_ONLY)); then
    printf '%-18s %-10s %s\n' "$c" "$("comp_${c}_version")" "${dir:-(not built)}"
    continue
  fi
  for b in $("comp_${c}_binaries"); do
    var=EDGEFLEET_$(echo "$b" | tr 'a-z-' 'A-Z_')
    sed -i "/^$var=/d" "$manifest_tmp"
    echo "$var=$dir/$b" >>"$manifest_tmp"
    ln -sfn "$dir/$b" "$TOOLCHAIN_BIN/$b"
  done
  say "toolchain: [$i/$total] $c $("comp_${c}_version"): $dir"
done
((LIST_ONLY)) && exit 0
{
  echo "# Written by tools/toolchain/install.sh; paths of the resolved toolchain binaries."
  echo "EDGEFLEET_TOOLCHAIN_BIN=$TOOLCHAIN_BIN"
  grep -v '^EDGEFLEET_TOOLCHAIN_BIN=' "$manifest_tmp" | sort
} >"$TOOLCHAIN_MANIFEST.tmp"
mv "$TOOLCHAIN_MANIFEST.tmp" "$TOOLCHAIN_MANIFEST"
say "toolchain: ready ($TOOLCHAIN_MANIFEST)"
