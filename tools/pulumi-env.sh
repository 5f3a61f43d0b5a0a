# Offline Pulumi for the local platform. Sourced by tools/edgefleet and the tests.
# A local file backend, a passphrase secrets provider, no update checks and no plugin
# downloads; PULUMI_HOME and state live in the state dir, never in the repo. Values a user
# already set win, so a real site can use its own backend and passphrase.
_ef_state=${EDGEFLEET_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/edgefleet}
# The local stack's kubeconfig path names it (stacks/Pulumi.local.yaml), as tools/edgefleet cluster finds it.
export EDGEFLEET_STATE_DIR=$_ef_state
_ef_cache=${EDGEFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edgefleet}
export PULUMI_HOME=${PULUMI_HOME:-$_ef_state/pulumi/home}
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$_ef_state/pulumi/state}
# Only protects secrets of local stacks; set your own for anything else.
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-edgefleet-local}
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
# The toolchain's pulumi, language host and resource providers, found as ambient plugins; and
# the dynamic-provider host that @pulumi/pulumi ships (pulumi-resource-pulumi-nodejs, which
# runs the SSH commands of stacks/src/ssh), as a Pulumi installation has it next to the CLI.
export PATH=$_ef_cache/bin:$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/node_modules/@pulumi/pulumi:$PATH
mkdir -p "$PULUMI_HOME" "${PULUMI_BACKEND_URL#file://}"
unset _ef_state _ef_cache
