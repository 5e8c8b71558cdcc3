#!/usr/bin/env bash
# The gate's self-test: a copy of the working tree broken once for each check below, then
# `dagger checks` run in that copy. Each of those checks must end in ERROR, with its error naming
# the breakage (a check that stays green on a broken repository guards nothing). Prints each
# check's end and error; the run's log is kept in $LOGS/gate-selftest.log.
# Needs the engine env: eval "$(go run ./ci/airgap env)". Run by `bash ci/test.sh --full`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGS=${LOGS:-$ROOT/.test-logs}
mkdir -p "$LOGS"
: "${_EXPERIMENTAL_DAGGER_RUNNER_HOST:?no engine: eval \"\$(go run ./ci/airgap env)\" first}"
# One fixed folder, kept after the run: the engine reads a file whose content it cached from this
# upload from this path again, for any client (seen: every check whose input was a file equal to one
# of a deleted copy's failed with "module not found: <the copy>" until the folder was back).
COPY=/tmp/eventmall-gate-selftest
rm -rf "$COPY"; mkdir -p "$COPY"
tar -C "$ROOT" --exclude=node_modules --exclude=.git --exclude=dist --exclude=.terraform \
  --exclude=.test-logs --exclude=test-results --exclude=.dagger/internal --exclude=.dagger/dagger.gen.go \
  -cf - . | tar -C "$COPY" -xf -
cd "$COPY"

# append FILE TEXT: TEXT added at the end of FILE, which must exist.
append() { [ -f "$1" ] || { echo "gate-selftest: $1 is gone: update this script" >&2; exit 1; }; printf '%s\n' "$2" >>"$1"; }
# replace FILE OLD NEW: the first OLD in FILE becomes NEW; OLD must be there.
replace() {
  python3 - "$@" <<'PY'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if old not in text:
    sys.exit(f"gate-selftest: {old!r} is not in {path} any more: update this script")
open(path, "w").write(text.replace(old, new, 1))
PY
}

# check name | what the error must contain, one breakage each:
expect=(
  "tflint|unused_in_broken_copy"
  "terraform-scan|broken_copy_open_ssh"
  "terraform-validate|not_declared_anywhere"
  "vendor-schemas|eventmall.yml"
  "shellcheck|broken-copy.sh"
  "jenkins-harness|Jenkinsfile"
  "mermaid-docs|INVALID"
  "module-tests|--- FAIL"
  "schemathesis|odd product ids crash"
  "api-types|is stale against backend/openapi.json"
  "browser-tests|Timeout"
  "bundle-budget|over budget"
)
append terraform/modules/cache/variables.tf '
variable "unused_in_broken_copy" {
  type        = string
  description = "Declared and never used."
  default     = ""
}'
append terraform/modules/network/main.tf '
resource "aws_security_group" "broken_copy_open_ssh" {
  name        = "broken-copy-open-ssh"
  description = "SSH from anywhere"
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}'
append terraform/stacks/edge/outputs.tf '
output "broken_copy" {
  description = "Reads a variable nobody declared."
  value       = var.not_declared_anywhere
}'
replace .github/workflows/eventmall.yml "runs-on:" "run-on:"
printf '#!/usr/bin/env bash\n# cd without a fallback (SC2164)\ncd /tmp/somewhere\nrm -f ./stale\n' >ci/broken-copy.sh
append Jenkinsfile 'stage("unbalanced") {'
append docs/pipeline.md '
```mermaid
flowchart TD
  a --> [b
```'
# ETags compared case-sensitively: the sync plan re-uploads what S3 reports in capitals.
# shellcheck disable=SC2016 # the backquotes are Go source, not a command
replace .dagger/s3sync/s3sync.go 'return strings.ToLower(strings.Trim(etag, `"`))' 'return strings.Trim(etag, `"`)'
# A product id with a character outside [a-z0-9-] crashes the handler (a 500 schemathesis must find).
replace backend/src/app.js "      const body = await shop.product(req.params.id);" \
  "      if (!/^[a-z0-9-]*\$/.test(req.params.id)) throw new Error('broken copy: odd product ids crash');
      const body = await shop.product(req.params.id);"
append frontend/src/lib/api.gen.ts '// edited by hand'
# The page forbids its own scripts: the build, the unit tests and the budget do not notice, a real
# browser does.
replace frontend/index.html "  <head>" "  <head>
    <meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\" />"
# 200 KB of incompressible data in the first-load bundle.
append frontend/src/main.tsx "document.documentElement.dataset.pad = '$(head -c 150000 /dev/urandom | base64 -w0)';"

t0=$(date +%s)
rc=0
dagger --progress=plain checks >"$LOGS/gate-selftest.log" 2>&1 || rc=$?
echo "gate-selftest: dagger checks in the broken copy: exit $rc after $(($(date +%s) - t0)) s"
[ "$rc" != 0 ] || { echo "gate-selftest: FAIL: dagger checks passed on a broken copy" >&2; exit 1; }
# Each check's end (DONE/ERROR) and its error's lines, keyed by the check's kebab-case name.
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$LOGS/gate-selftest.log" |
  awk '/^[0-9]+ +: [a-zA-Z]+ (DONE|ERROR) / && $3 != "connect" {
         name = $3; gsub(/[A-Z]/, "-&", name); name = tolower(name)
         print name " " $4; err = ($4 == "ERROR") ? $1 : ""; cur = name; next }
       /^[0-9]+ +: / { if ($1 != err || $3 != "!") err = "" }
       err != "" { print cur " | " $0 }')
failed=0
for e in "${expect[@]}"; do
  name=${e%%|*} needle=${e#*|}
  if ! grep -qx "$name ERROR" <<<"$summary"; then
    echo "FAIL  $name did not fail on its breakage"; failed=1
  # (not grep -q: under pipefail its early exit would fail the first grep)
  elif ! grep "^$name | " <<<"$summary" | grep -F -- "$needle" >/dev/null; then
    echo "FAIL  $name failed, but its error does not name its breakage ($needle)"; failed=1
  else
    echo "ok    $name failed, naming $needle"
  fi
done
exit "$failed"
