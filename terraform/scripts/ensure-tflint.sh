#!/usr/bin/env bash
# Print the path of tflint: PATH, else cached, else built from the Go module proxy (~90 s).
# Only the bundled terraform ruleset is used (the AWS ruleset cannot be downloaded here).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TFLINT_VERSION="${TFLINT_VERSION:-v0.64.0}"
if t="$(command -v tflint 2>/dev/null)"; then echo "$t"; exit 0; fi
if [ -x "$EVENTMALL_BIN/tflint" ]; then echo "$EVENTMALL_BIN/tflint"; exit 0; fi
log "building github.com/terraform-linters/tflint@$TFLINT_VERSION"
go_install_retry "github.com/terraform-linters/tflint@$TFLINT_VERSION" >&2
echo "$EVENTMALL_BIN/tflint"
