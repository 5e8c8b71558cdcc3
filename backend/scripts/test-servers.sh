#!/usr/bin/env bash
# Throwaway MariaDB 10.11 + memcached on loopback for tests and the benchmark.
#
#   scripts/test-servers.sh start        # install (apt) if missing, start both, wait until they answer
#   scripts/test-servers.sh stop         # stop both and delete their data
#   scripts/test-servers.sh env          # print the DB_* / MEMCACHED_SERVERS exports for npm test
#   scripts/test-servers.sh status
#   scripts/test-servers.sh kill-cache   # SIGKILL memcached (used by the benchmark's outage option)
#   scripts/test-servers.sh start-cache  # start memcached again
#
# Settings (env): TEST_DB_ROOT_PASSWORD (default: eventmall-test), TEST_SERVERS_DIR
# (default: /tmp/eventmall-test-servers), TEST_DB_PORT (3307), TEST_CACHE_PORT (11212).
# Everything listens on 127.0.0.1 only. Nothing here is meant for production.
# MariaDB also accepts TLS (as Aurora does): a throwaway CA and a server certificate for
# 127.0.0.1/localhost are made with openssl under $TEST_SERVERS_DIR/tls; `env` prints the CA as
# TEST_DB_TLS_CA (test/db-tls.test.js). Plain connections keep working.
set -euo pipefail

DIR="${TEST_SERVERS_DIR:-/tmp/eventmall-test-servers}"
DB_PORT="${TEST_DB_PORT:-3307}"
CACHE_PORT="${TEST_CACHE_PORT:-11212}"
ROOT_PW="${TEST_DB_ROOT_PASSWORD:-eventmall-test}"
DATADIR="$DIR/mysql"
SOCK="$DIR/mysqld.sock"
DB_PID="$DIR/mysqld.pid"
CACHE_PID="$DIR/memcached.pid"

log() { echo "test-servers: $*" >&2; }

need_install() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  command -v memcached >/dev/null 2>&1 || [ -x /usr/bin/memcached ] || missing+=(memcached)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

TLS_DIR="$DIR/tls"

# A CA and a server certificate (SAN 127.0.0.1, localhost) for MariaDB's TLS, once per data dir.
make_tls() {
  [ -f "$TLS_DIR/server.pem" ] && return 0
  command -v openssl >/dev/null 2>&1 || { log "no openssl: mariadb starts without TLS"; return 1; }
  mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR" &&
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=eventmall test CA" \
      -keyout ca-key.pem -out ca.pem &&
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server-key.pem -out server.csr &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >server.ext &&
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 \
      -extfile server.ext -out server.pem
  ) >"$DIR/tls.log" 2>&1 || { log "openssl failed (see $DIR/tls.log): mariadb starts without TLS"; rm -f "$TLS_DIR/server.pem"; return 1; }
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_db() {
  if pid_alive "$DB_PID"; then log "mariadb already running (pid $(cat "$DB_PID"))"; return; fi
  mkdir -p "$DIR"
  local fresh=0
  if [ ! -d "$DATADIR/mysql" ]; then
    fresh=1
    rm -rf "$DATADIR"; mkdir -p "$DATADIR"
    mariadb-install-db --no-defaults --datadir="$DATADIR" --user=root --auth-root-authentication-method=normal \
      --skip-test-db >"$DIR/install-db.log" 2>&1 || { cat "$DIR/install-db.log" >&2; exit 1; }
  fi
  local tls=()
  if make_tls; then
    tls=(--ssl-ca="$TLS_DIR/ca.pem" --ssl-cert="$TLS_DIR/server.pem" --ssl-key="$TLS_DIR/server-key.pem")
  fi
  # setsid + nohup: the server outlives this shell; output goes to files only.
  setsid nohup /usr/sbin/mariadbd --no-defaults "${tls[@]}" --user=root --datadir="$DATADIR" --socket="$SOCK" \
    --pid-file="$DB_PID" --port="$DB_PORT" --bind-address=127.0.0.1 --skip-name-resolve \
    --log-error="$DIR/mysqld.err" --max-connections=1000 --innodb-buffer-pool-size=256M \
    --innodb-log-file-size=256M --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --sql-mode=STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION \
    </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 120); do
    if mariadb-admin --no-defaults --socket="$SOCK" -uroot ping >/dev/null 2>&1 \
       || mariadb-admin --no-defaults --socket="$SOCK" -uroot -p"$ROOT_PW" ping >/dev/null 2>&1; then
      break
    fi
    sleep 0.5
  done
  if [ "$fresh" = 1 ]; then
    mariadb --no-defaults --socket="$SOCK" -uroot <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '${ROOT_PW}';
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '${ROOT_PW}';
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '${ROOT_PW}';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '${ROOT_PW}';
ALTER USER 'root'@'%' IDENTIFIED BY '${ROOT_PW}';
DROP USER IF EXISTS 'root'@'::1';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  fi
  mariadb-admin --no-defaults -h127.0.0.1 -P"$DB_PORT" -uroot -p"$ROOT_PW" ping >/dev/null \
    || { log "mariadb did not come up; see $DIR/mysqld.err"; tail -20 "$DIR/mysqld.err" >&2; exit 1; }
  log "mariadb ready on 127.0.0.1:$DB_PORT (pid $(cat "$DB_PID"))"
}

start_cache() {
  if pid_alive "$CACHE_PID"; then log "memcached already running (pid $(cat "$CACHE_PID"))"; return; fi
  mkdir -p "$DIR"
  local user=nobody
  id memcache >/dev/null 2>&1 && user=memcache
  setsid nohup memcached -u "$user" -l 127.0.0.1 -p "$CACHE_PORT" -U 0 -m 128 -c 8192 -t 2 \
    </dev/null >"$DIR/memcached.log" 2>&1 &
  echo $! >"$CACHE_PID"
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$CACHE_PORT") 2>/dev/null; then break; fi
    sleep 0.1
  done
  log "memcached ready on 127.0.0.1:$CACHE_PORT (pid $(cat "$CACHE_PID"))"
}

stop_pidfile() {
  local f="$1" name="$2"
  if pid_alive "$f"; then
    local pid; pid="$(cat "$f")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    log "$name stopped"
  fi
  rm -f "$f"
}

print_env() {
  cat <<EOF
export DB_HOST=127.0.0.1
export DB_PORT=$DB_PORT
export DB_USER=root
export DB_PASSWORD='$ROOT_PW'
export MEMCACHED_SERVERS=127.0.0.1:$CACHE_PORT
EOF
  if [ -f "$TLS_DIR/server.pem" ]; then echo "export TEST_DB_TLS_CA='$TLS_DIR/ca.pem'"; fi
}

case "${1:-}" in
  start) need_install; start_db; start_cache ;;
  stop) stop_pidfile "$CACHE_PID" memcached; stop_pidfile "$DB_PID" mariadb; rm -rf "$DIR" ;;
  env) print_env ;;
  status)
    pid_alive "$DB_PID" && echo "mariadb: running (pid $(cat "$DB_PID"))" || echo "mariadb: stopped"
    pid_alive "$CACHE_PID" && echo "memcached: running (pid $(cat "$CACHE_PID"))" || echo "memcached: stopped" ;;
  kill-cache) if pid_alive "$CACHE_PID"; then kill -9 "$(cat "$CACHE_PID")"; rm -f "$CACHE_PID"; log "memcached killed"; fi ;;
  start-cache) start_cache ;;
  *) echo "usage: $0 start|stop|env|status|kill-cache|start-cache" >&2; exit 2 ;;
esac
