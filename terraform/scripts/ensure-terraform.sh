#!/usr/bin/env bash
# Print the path of a terraform binary: the one on PATH, else a cached build, else build
# github.com/hashicorp/terraform@v1.5.7 (the last MPL-2.0 release) from the Go module proxy into
# $EVENTMALL_CACHE/bin (~5 min on 2 cores, once). No Terraform registry is needed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TERRAFORM_VERSION="${TERRAFORM_VERSION:-v1.5.7}"

if [ -n "${TERRAFORM_BINARY:-}" ] && [ -x "$TERRAFORM_BINARY" ]; then
  echo "$TERRAFORM_BINARY"; exit 0
fi
if tf="$(command -v terraform 2>/dev/null)"; then
  echo "$tf"; exit 0
fi
if [ -x "$EVENTMALL_BIN/terraform" ]; then
  echo "$EVENTMALL_BIN/terraform"; exit 0
fi
command -v go >/dev/null || { log "no terraform on PATH and no Go toolchain to build one"; exit 1; }
log "no terraform found: building github.com/hashicorp/terraform@$TERRAFORM_VERSION (about 5 minutes)"
go_install_retry "github.com/hashicorp/terraform@$TERRAFORM_VERSION" -ldflags=-s\ -w >&2
"$EVENTMALL_BIN/terraform" version >&2
echo "$EVENTMALL_BIN/terraform"
