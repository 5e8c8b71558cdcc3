package main

// Base images the module runs: ordinary upstream references, pinned by tag.
// In air-gapped mode (ci/airgap) a local mirror serves images built from
// Debian, npm and PyPI packages under exactly these names; a parity test in
// ci/airgap keeps its list and this one identical.
const (
	nodeImage      = "node:22.23.3-bookworm-slim"
	mariadbImage   = "mariadb:10.11"
	memcachedImage = "memcached:1.6.18"
	terraformImage = "hashicorp/terraform:1.5.7"
	golangImage    = "golang:1.26.8-bookworm"
	motoImage      = "motoserver/moto:5.2.5"
)
