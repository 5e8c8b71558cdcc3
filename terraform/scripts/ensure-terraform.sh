#!/usr/bin/env bash
# Print the path of the engine binary the host checks run: TERRAFORM_BINARY if set, else the pinned
# engine (.dagger/tfengine/engine.json: the one the pipeline's stages run), built once by
# ensure-engine.sh from the Go module proxy. No registry is needed.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/lib.sh"

if [ -n "${TERRAFORM_BINARY:-}" ] && [ -x "$TERRAFORM_BINARY" ]; then
  echo "$TERRAFORM_BINARY"; exit 0
fi
exec "$HERE/ensure-engine.sh"
