#!/usr/bin/env bash
# Validates every CI vendor file offline, then runs the parity test.
#
#   bash ci/validate.sh
#
# - GitHub workflow + composite actions, GitLab CI, CircleCI: JSON-schema validation with
#   check-jsonschema (PyPI), whose vendored SchemaStore schemas need no network at run
#   time. It is installed into a virtualenv under /var/cache/eventmall (reused when the
#   pinned version is already there). A deliberately broken copy of each file must FAIL,
#   so a validator that accepts everything cannot pass for green.
# - Jenkins: the pipeline is compiled and run under real Groovy 2.4 (Debian's groovy,
#   the line Jenkins' own CPS engine uses) with stub steps (ci/jenkins/harness/run.groovy),
#   once as a pull request and once as main; the sh scripts Groovy produced are compared,
#   byte for byte, with what the parity test's Groovy reader decoded.
# - shellcheck on the OIDC helper scripts and the Jenkins sh steps.
# - docs: every Mermaid diagram in docs/ parses (mermaid + jsdom from npm, cached).
# - then `go test ./ci/parity/` (calls, pins, drift fixtures, the diagram's stages, doc links).
# Needs: python3 (venv), Go, Node.js with npm; installs groovy and shellcheck with apt when missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cache="${EVENTMALL_CACHE:-/var/cache/eventmall}"
venv="$cache/ci-venv"
CHECK_JSONSCHEMA_VERSION="0.39.0"
fail=0

say() { printf '\n== %s\n' "$*"; }
retry() { local i; for i in 1 2 3; do "$@" && return 0; sleep $((i * 3)); done; return 1; }

# --- tools ------------------------------------------------------------------
say "tools"
if ! "$venv/bin/check-jsonschema" --version 2>/dev/null | grep -q "version $CHECK_JSONSCHEMA_VERSION\$"; then
  python3 -m venv "$venv"
  retry "$venv/bin/pip" install --quiet --disable-pip-version-check "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
fi
"$venv/bin/check-jsonschema" --version

need_apt=()
command -v groovy >/dev/null || need_apt+=(groovy)
command -v shellcheck >/dev/null || need_apt+=(shellcheck)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    retry apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null \
      || { retry apt-get update -q >/dev/null && retry apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null; }
  else
    echo "missing ${need_apt[*]} and not root: install them" >&2; exit 1
  fi
fi
# Debian's groovy launcher wants JAVA_HOME to hold a java; find one that does.
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ]; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  export JAVA_HOME
fi

# --- JSON schemas -----------------------------------------------------------
# validate SCHEMA FILE...: each file must pass, and a broken copy must fail.
validate() {
  local schema="$1"; shift
  local f
  for f in "$@"; do
    if "$venv/bin/check-jsonschema" --builtin-schema "$schema" "$f" >/dev/null; then
      echo "valid    $schema  $f"
    else
      echo "INVALID  $schema  $f"
      "$venv/bin/check-jsonschema" --builtin-schema "$schema" "$f" || true
      fail=1
    fi
  done
}
# broken SCHEMA FILE SED-EXPR: the file with the edit applied must be rejected.
broken() {
  local schema="$1" f="$2" expr="$3" tmp
  tmp="$(mktemp --suffix=.yml)"
  sed -e "$expr" "$f" >"$tmp"
  if cmp -s "$f" "$tmp"; then
    echo "SELF-TEST the edit '$expr' changed nothing in $f"; fail=1
  elif "$venv/bin/check-jsonschema" --builtin-schema "$schema" "$tmp" >/dev/null 2>&1; then
    echo "SELF-TEST $schema accepted a broken $f ($expr)"; fail=1
  else
    echo "rejected $schema  broken copy of $f ($expr)"
  fi
  rm -f "$tmp"
}

say "GitHub Actions"
validate vendor.github-workflows .github/workflows/eventmall.yml
validate vendor.github-actions ci/github/*/action.yml
broken vendor.github-workflows .github/workflows/eventmall.yml 's/runs-on:/run-on:/'
broken vendor.github-actions ci/github/deploy/action.yml 's/using: composite/using: compost/'

say "GitLab CI"
validate vendor.gitlab-ci .gitlab-ci.yml ci/gitlab/eventmall.gitlab-ci.yml
broken vendor.gitlab-ci ci/gitlab/eventmall.gitlab-ci.yml 's/^    when: always/    when: sometimes/'
broken vendor.gitlab-ci .gitlab-ci.yml 's/local:/locale:/'

say "CircleCI"
validate vendor.circle-ci .circleci/config.yml ci/circleci/config.yml
broken vendor.circle-ci ci/circleci/config.yml 's/^version: 2.1/version: banana/'

# --- Jenkins ----------------------------------------------------------------
say "Jenkins (Groovy)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for mode in pr main; do
  if groovy ci/jenkins/harness/run.groovy "$root" "$work/$mode" "$mode" >"$work/$mode.log" 2>&1; then
    echo "ran      Jenkinsfile as $mode: $(grep -c '^stage(' "$work/$mode.log") stages, $(find "$work/$mode" -name '*.sh' | wc -l) sh steps"
  else
    echo "FAILED   Jenkinsfile under Groovy as $mode"; cat "$work/$mode.log"; fail=1
  fi
done
printf 'node {\n  sh "x"\n' >"$work/broken.groovy"
if groovyc -d "$work/classes" "$work/broken.groovy" >/dev/null 2>&1; then
  echo "SELF-TEST groovyc accepted an unbalanced file"; fail=1
else
  echo "rejected groovyc  unbalanced file"
fi

say "shellcheck"
# the OIDC helpers, this script, and the sh steps Groovy produced for Jenkins
if shellcheck ci/*/aws-oidc.sh ci/validate.sh && shellcheck -x -s sh "$work"/pr/*.sh "$work"/main/*.sh; then
  echo "clean    ci/*/aws-oidc.sh ci/validate.sh and the Jenkins sh steps"
else
  fail=1
fi

# --- docs -------------------------------------------------------------------
# The Mermaid diagrams of the user docs must parse (mermaid + jsdom from npm, cached).
say "docs (Mermaid)"
MERMAID_VERSION="11.17.2" JSDOM_VERSION="29.1.1"
mdir="$cache/mermaid-check"
mkdir -p "$mdir"
export NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
if ! (cd "$mdir" && node -e "process.exit(require('./node_modules/mermaid/package.json').version === '$MERMAID_VERSION' && require('./node_modules/jsdom/package.json').version === '$JSDOM_VERSION' ? 0 : 1)" 2>/dev/null); then
  (cd "$mdir" && { [ -f package.json ] || echo '{"private": true}' >package.json; } \
    && retry npm install --no-audit --no-fund --silent "mermaid@$MERMAID_VERSION" "jsdom@$JSDOM_VERSION")
fi
cat >"$mdir/check.mjs" <<'JS'
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window; globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });
let failed = 0;
for (const file of process.argv.slice(2)) {
  const md = readFileSync(file, 'utf8');
  const blocks = [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
  for (const [i, code] of blocks.entries()) {
    try { const r = await mermaid.parse(code); console.log(`valid    mermaid #${i + 1} (${r.diagramType})  ${file}`); }
    catch (e) { failed++; console.log(`INVALID  mermaid #${i + 1}  ${file}: ${e.message}`); }
  }
}
try { await mermaid.parse('flowchart TD\n  a --> [b'); console.log('SELF-TEST mermaid accepted a broken diagram'); failed++; }
catch { console.log('rejected mermaid  a broken diagram'); }
process.exit(failed ? 1 : 0);
JS
if (cd "$mdir" && node check.mjs "$root"/docs/*.md); then :; else fail=1; fi

# --- parity -----------------------------------------------------------------
say "parity test"
if EVENTMALL_JENKINS_SH_DIRS="$work/pr:$work/main" go test -count=1 ./ci/parity/; then :; else fail=1; fi

if [ "$fail" != 0 ]; then
  say "ci/validate.sh: FAILED"; exit 1
fi
say "ci/validate.sh: all vendor files valid, parity green"
