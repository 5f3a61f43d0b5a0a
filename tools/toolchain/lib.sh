# Shared helpers for the toolchain scripts. Sourced, not executed.

# Cache root: everything built lives here, keyed by component and version, never in the repo.
EDGEFLEET_CACHE=${EDGEFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edgefleet}
TOOLCHAIN_DIR=$EDGEFLEET_CACHE/toolchain
TOOLCHAIN_BIN=$EDGEFLEET_CACHE/bin
TOOLCHAIN_LOGS=$EDGEFLEET_CACHE/logs
TOOLCHAIN_BUILD=$EDGEFLEET_CACHE/build
# Sourced by other scripts and read by tests: absolute path of every resolved binary.
TOOLCHAIN_MANIFEST=$EDGEFLEET_CACHE/toolchain.env

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

say() { printf '%s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

# Seconds since the epoch, for progress output.
now() { date +%s; }

# Prints "2m05s" for a number of seconds.
human_duration() {
  local s=$1
  if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# version_ge A B: true when version A >= version B (leading "v" ignored).
version_ge() {
  local a=${1#v} b=${2#v}
  [ "$(printf '%s\n%s\n' "$b" "$a" | sort -V | head -n1)" = "$b" ]
}

# same_minor A B: true when A and B share major.minor (leading "v" ignored).
same_minor() {
  local a=${1#v} b=${2#v}
  [ "${a%.*}" = "${b%.*}" ]
}

# First x.y.z version number found in a command's output, or nothing.
extract_version() { grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1; }

# Version of an npm dependency of the Pulumi program (stacks/package.json): the one place Pulumi versions are set.
package_json_version() {
  node -e '
    const pkg = require(process.argv[1]);
    const v = (pkg.devDependencies || {})[process.argv[2]] || (pkg.dependencies || {})[process.argv[2]];
    if (!v) { console.error(`package.json has no dependency ${process.argv[2]}`); process.exit(1); }
    if (!/^\d+\.\d+\.\d+$/.test(v)) {
      console.error(`package.json must pin ${process.argv[2]} to an exact version (x.y.z), found "${v}"`);
      process.exit(1);
    }
    console.log(v);
  ' "$REPO_ROOT/stacks/package.json" "$1"
}
