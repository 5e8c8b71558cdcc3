# shellcheck shell=bash
# Shared by the terraform/ scripts (sourced, not executed).
# Cache outside the work tree so a second run (and CI on the same machine) reuses builds.
EVENTMALL_CACHE="${EVENTMALL_CACHE:-/var/cache/eventmall}"
EVENTMALL_BIN="$EVENTMALL_CACHE/bin"
mkdir -p "$EVENTMALL_BIN"

# Machines here export TF_CLI_CONFIG_FILE pointing at a missing file: every terraform command
# then warns. Point it at a real, empty file unless the caller gave a real one.
if [ -z "${TF_CLI_CONFIG_FILE:-}" ] || [ ! -f "${TF_CLI_CONFIG_FILE}" ]; then
  export TF_CLI_CONFIG_FILE="$EVENTMALL_CACHE/terraformrc"
  [ -f "$TF_CLI_CONFIG_FILE" ] || : > "$TF_CLI_CONFIG_FILE"
fi
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1

log() { printf '[terraform] %s\n' "$*" >&2; }

# go_install_retry MODULE@VERSION [extra go flags...]: the Go module proxy sometimes answers
# 403 for a version it serves; retry a few times and name the module when giving up.
go_install_retry() {
  local mod="$1"; shift
  local i
  for i in 1 2 3 4 5; do
    if (cd /tmp && GOBIN="$EVENTMALL_BIN" CGO_ENABLED=0 go install "$@" "$mod"); then
      return 0
    fi
    log "go install $mod failed (attempt $i/5), retrying in $((i * 3))s"
    sleep $((i * 3))
  done
  log "FAILED: could not build $mod from the Go module proxy"
  return 1
}
