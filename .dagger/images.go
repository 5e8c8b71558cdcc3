package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// Base images the module runs: ordinary upstream references, pinned by tag,
// listed once in images.json. In air-gapped mode (ci/airgap) a local mirror
// serves images built from Debian, npm and PyPI packages under exactly these
// names; a parity test in ci/airgap reads the same file and keeps the
// mirror's recipes and this list identical. One entry is no upstream image:
// "engine", the pinned infrastructure-as-code engine built here
// (eventmall-airgap/opentofu:…, tfengine's Image), which only such a mirror
// serves. Every Terraform stage runs it (engine.go).
//
//go:embed images.json
var imagesJSON []byte

var images = func() map[string]string {
	var m map[string]string
	if err := json.Unmarshal(imagesJSON, &m); err != nil {
		panic(fmt.Sprintf("images.json: %v", err))
	}
	return m
}()

// image is the reference images.json gives a name; a name it lacks is a
// programming error, found by the first call of the module.
func image(name string) string {
	ref, ok := images[name]
	if !ok {
		panic(fmt.Sprintf("images.json has no image %q", name))
	}
	return ref
}

var (
	nodeImage      = image("node")
	mariadbImage   = image("mariadb")
	memcachedImage = image("memcached")
	golangImage    = image("golang")
	motoImage      = image("moto")
	pythonImage    = image("python")
	debianImage    = image("debian")
)
