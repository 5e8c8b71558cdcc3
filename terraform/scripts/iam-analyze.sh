#!/usr/bin/env bash
# IAM analyzer: render every module's policy documents to JSON in Go (go run
# ./terraform/policy/cmd/render-iam), then run cloudsplaining and parliament (PyPI) over them.
# Fails on any privilege escalation of any role (the deployer, plan and staff role above all), and
# on any other finding without a written reason in terraform/policy/iam-analyzer-reasons.json.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

CLOUDSPLAINING_VERSION="${CLOUDSPLAINING_VERSION:-0.9.1}"
PARLIAMENT_VERSION="${PARLIAMENT_VERSION:-1.6.4}"
VENV="$EVENTMALL_CACHE/iam-analyzer-venv"
want="cloudsplaining==$CLOUDSPLAINING_VERSION parliament==$PARLIAMENT_VERSION"
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$want" ]; then
  log "installing $want into $VENV (PyPI)"
  python3 -m venv "$VENV"
  cert=()
  [ -n "${EXTRA_CA_FILE:-}" ] && cert=(--cert "$EXTRA_CA_FILE")
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install -q "${cert[@]}" $want >&2
  echo "$want" >"$VENV/.installed"
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
go run ./terraform/policy/cmd/render-iam -terraform terraform -out "$out"
"$VENV/bin/python" terraform/scripts/iam_analyze.py "$out" terraform/policy/iam-analyzer-reasons.json
