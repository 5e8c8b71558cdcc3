#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the e2e tests and screenshots (playwright-core drives it;
# no browser is ever downloaded). Idempotent: does nothing when /usr/bin/chromium exists.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-chromium: $CHROMIUM is missing and this is not root: run 'apt-get install -y chromium fonts-dejavu-core fonts-liberation'" >&2
  exit 1
fi
echo "ensure-chromium: installing chromium with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-liberation >/dev/null
"$CHROMIUM" --version >&2
