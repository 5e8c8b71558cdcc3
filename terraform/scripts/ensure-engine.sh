#!/usr/bin/env bash
# Print the path of the pinned infrastructure-as-code engine (.dagger/tfengine/engine.json, the
# one place that says which engine and version the pipeline runs: OpenTofu by default), building it
# from its Go module through the Go module proxy into $EVENTMALL_CACHE/tools/<engine>-<version>/
# the first time (3-15 min on 2 cores, depending on the load and the Go build cache; once).
# The build is the module's own (tfengine.BuildScript): the same steps the Dagger stages run when
# no image of it can be pulled. ci/airgap calls this script too, for the engine image of its mirror
# (ci/test.sh runs that `up` beside check.sh): a lock next to the build makes the second caller wait
# for the first one's binary instead of building it again.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/lib.sh"
ROOT="$(cd "$HERE/../.." && pwd)"

tfengine() { (cd "$ROOT" && GOFLAGS=-buildvcs=false go run ./.dagger/tfengine/cmd/tfengine "$@"); }
binary="$(tfengine binary)"
dir="$EVENTMALL_CACHE/tools/$(tfengine label | tr 'A-Z ' 'a-z-')"
mkdir -p "$dir"
exec 9>"$dir.lock"
if ! flock -n 9; then
  log "waiting for another build of $(tfengine label) into $dir (lock $dir.lock)"
  flock 9
fi
if [ ! -x "$dir/$binary" ]; then
  log "building $(tfengine label) from the Go module proxy into $dir (once; minutes on 2 cores)"
  t0=$SECONDS
  tfengine script "$dir/$binary.tmp" | sh >&2
  mv "$dir/$binary.tmp" "$dir/$binary"
  log "built $(tfengine label) in $((SECONDS - t0)) s"
fi
echo "$dir/$binary"
