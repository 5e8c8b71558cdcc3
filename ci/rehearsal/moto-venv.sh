#!/usr/bin/env bash
# Prints the path of moto's venv ($EVENTMALL_CACHE/moto-venv), creating it with moto[server] and
# boto3 from PyPI when it is missing or holds another moto version. Used by servers.sh and by the
# S3 state-lock test (terraform/statelock, run by terraform/scripts/check.sh).
set -euo pipefail
CACHE=${EVENTMALL_CACHE:-/var/cache/eventmall}
VENV=$CACHE/moto-venv
MOTO_VERSION=5.2.5
if ! "$VENV/bin/python" -c "import moto, boto3; assert moto.__version__ == '$MOTO_VERSION'" 2>/dev/null; then
  python3 -m venv "$VENV" >&2
  for _ in 1 2 3; do "$VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION" boto3 >&2 && break; sleep 3; done
  "$VENV/bin/python" -c "import moto; assert moto.__version__ == '$MOTO_VERSION'" >&2
fi
echo "$VENV"
