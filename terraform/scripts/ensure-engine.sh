#!/usr/bin/env bash
# Print the path of the pinned infrastructure-as-code engine (.dagger/tfengine/engine.json, the
# one place that says which engine and version the pipeline runs: OpenTofu by default), building it
# from its Go module through the Go module proxy into $EVENTMALL_CACHE/tools/<engine>-<version>/
# the first time (3-15 min on 2 cores, depending on the load and the Go build cache; once).
# The build is the module's own (tfengine.BuildScript): the same steps the Dagger stages run.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/lib.sh"
ROOT="$(cd "$HERE/../.." && pwd)"

tfengine() { (cd "$ROOT" && GOFLAGS=-buildvcs=false go run ./.dagger/tfengine/cmd/tfengine "$@"); }
binary="$(tfengine binary)"
dir="$EVENTMALL_CACHE/tools/$(tfengine label | tr 'A-Z ' 'a-z-')"
if [ ! -x "$dir/$binary" ]; then
  mkdir -p "$dir"
  log "building $(tfengine label) from the Go module proxy into $dir (once; minutes on 2 cores)"
  t0=$SECONDS
  tfengine script "$dir/$binary.tmp" | sh >&2
  mv "$dir/$binary.tmp" "$dir/$binary"
  log "built $(tfengine label) in $((SECONDS - t0)) s"
fi
echo "$dir/$binary"
