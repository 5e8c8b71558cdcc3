#!/usr/bin/env bash
# The Terraform checks that need the host, from the repository root: go vet + go test ./terraform/...
#   (HCL policy tests, plan/apply plumbing with a real engine, S3 state locks held and refused
#   against moto), the rush-window plan, and validate/plan/apply/re-plan of every stack through the
#   offline AWS provider (schemas of hashicorp/aws 5.82.0 and 6.47.0). Every step runs; the script
#   fails loudly if any step failed. fmt, validate of every module, stack and plumbing fixture,
#   tflint and the checkov scan are checks of the module: dagger checks terraform-fmt
#   terraform-validate tflint terraform-scan.
# Usage: terraform/scripts/check.sh
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/lib.sh"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT" || exit 1

[ $# = 0 ] || { echo "check.sh takes no options (got $*)" >&2; exit 2; }

declare -a results=()
failed=0
step() {
  local name="$1"; shift
  local t0=$SECONDS
  log "=== $name"
  if "$@"; then
    results+=("ok    $(printf '%4ds' $((SECONDS - t0)))  $name")
  else
    results+=("FAIL  $(printf '%4ds' $((SECONDS - t0)))  $name")
    failed=1
    log "!!! step failed: $name"
  fi
}

TF="$("$HERE/ensure-terraform.sh")" || { log "FAILED: no engine binary and none could be built"; exit 1; }
export TERRAFORM_BINARY="$TF"
export EVENTMALL_REQUIRE_TERRAFORM=1   # the Go tests must not skip the plan/apply mechanics
log "engine: $TF ($("$TF" version | head -1))"
# The S3 state-lock test (terraform/statelock) runs against moto, with the engine above and, when
# PATH has one new enough for use_lockfile (1.10 or newer), terraform too.
EVENTMALL_MOTO_SERVER="$("$ROOT/ci/rehearsal/moto-venv.sh")/bin/moto_server" || { log "FAILED: no moto venv"; exit 1; }
export EVENTMALL_MOTO_SERVER EVENTMALL_REQUIRE_MOTO=1
EVENTMALL_LOCK_ENGINES="$TF"
if other="$(command -v terraform 2>/dev/null)" && [ "$other" != "$TF" ]; then
  v="$("$other" version 2>/dev/null | sed -n '1s/^Terraform v//p')"
  if [ -n "$v" ] && [ "$(printf '%s\n' 1.10.0 "$v" | sort -V | head -n 1)" = 1.10.0 ]; then
    EVENTMALL_LOCK_ENGINES="$TF:$other"
  fi
fi
export EVENTMALL_LOCK_ENGINES

step "go vet + go test ./terraform/..." bash -c 'go vet ./terraform/... && go test -count=1 ./terraform/...'

step "rush window: a plan after the scheduled scale-out changes nothing (offline provider)" "$HERE/rush-window-plan.sh"

# The real modules and stacks, evaluated by terraform against the offline provider (a stand-in
# serving the real provider's published schema; docs/rehearsal.md says what it cannot tell).
step "offline provider (schema of hashicorp/aws 5.82.0, 6.47.0): validate every module; validate, plan, apply, re-plan every stack" \
  go run ./terraform/rehearse/cmd/rehearse-stacks -aws 5.82.0,6.47.0 -check-contract terraform/stacks/contract.json

echo >&2
log "summary:"
for r in "${results[@]}"; do echo "  $r" >&2; done
if [ $failed = 1 ]; then
  log "!!!!!!!! TERRAFORM CHECKS FAILED !!!!!!!!"
  exit 1
fi
log "all terraform checks passed"
