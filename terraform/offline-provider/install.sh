#!/usr/bin/env bash
# Builds the offline AWS provider once (cached by a hash of its source in
# $EVENTMALL_CACHE/offline-provider) and lays out, per schema version, a Terraform
# provider_installation filesystem mirror under the real source addresses:
#   mirror-<v>/<registry>/hashicorp/aws/<v>/linux_amd64/terraform-provider-aws_v<v>
#   mirror-<v>/<registry>/hashicorp/random/3.7.2/linux_amd64/terraform-provider-random_v3.7.2
# (<registry>: registry.terraform.io for Terraform, registry.opentofu.org for OpenTofu)
# and a CLI configuration that installs hashicorp/aws and hashicorp/random only from it.
# Prints the path of that CLI configuration (use it as TF_CLI_CONFIG_FILE).
# Only for tests and rehearsals: the real provider comes from the registry everywhere else.
# Usage: terraform/offline-provider/install.sh [VERSION]   (default 6.47.0; 5.82.0 also served)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VERSION="${1:-6.47.0}"
RANDOM_VERSION=3.7.2
CACHE="${EVENTMALL_CACHE:-/var/cache/eventmall}"
log() { printf '[offline-provider] %s\n' "$*" >&2; }

[ -f "$HERE/schema/aws-$VERSION.json.gz" ] || { log "no published schema for hashicorp/aws $VERSION in $HERE/schema"; exit 2; }
hash=$(cd "$ROOT" && { find terraform/offline-provider -type f ! -name '*_test.go' | LC_ALL=C sort | xargs sha256sum; sha256sum go.mod go.sum; } | sha256sum | cut -c1-16)
dir="$CACHE/offline-provider/$hash"
bin="$dir/terraform-provider-offline"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  log "building the offline provider ($hash)"
  for i in 1 2 3 4; do
    if (cd "$ROOT" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}" go build -trimpath -ldflags="-s -w" -o "$bin.tmp" ./terraform/offline-provider); then
      mv "$bin.tmp" "$bin"; break
    fi
    log "go build failed (attempt $i/4), retrying"; sleep $((i * 3))
  done
  [ -x "$bin" ] || { log "FAILED to build the offline provider"; exit 1; }
fi
mirror="$dir/mirror-$VERSION"
# Under both registries' addresses: "hashicorp/aws" means registry.terraform.io/hashicorp/aws to
# Terraform and registry.opentofu.org/hashicorp/aws to OpenTofu.
for host in registry.terraform.io registry.opentofu.org; do
  aws="$mirror/$host/hashicorp/aws/$VERSION/linux_amd64"
  rnd="$mirror/$host/hashicorp/random/$RANDOM_VERSION/linux_amd64"
  if [ ! -x "$aws/terraform-provider-aws_v$VERSION" ] || [ ! -x "$rnd/terraform-provider-random_v$RANDOM_VERSION" ]; then
    mkdir -p "$aws" "$rnd"
    cp "$bin" "$aws/terraform-provider-aws_v$VERSION"
    cp "$bin" "$rnd/terraform-provider-random_v$RANDOM_VERSION"
  fi
done
providers='"registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/random", "registry.opentofu.org/hashicorp/aws", "registry.opentofu.org/hashicorp/random"'
rc="$dir/terraformrc-$VERSION"
cat >"$rc.tmp" <<RC
# Offline provider (schema of hashicorp/aws $VERSION): tests and rehearsals only.
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = [$providers]
  }
  direct {
    exclude = [$providers]
  }
}
RC
mv "$rc.tmp" "$rc"
echo "$rc"
