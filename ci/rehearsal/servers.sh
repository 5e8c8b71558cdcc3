#!/usr/bin/env bash
# Starts / stops the rehearsal's stand-ins on the host, where the engine's
# containers reach them through the docker bridge:
#   moto (a real AWS API emulator, from PyPI) on :5100
#   a Slack Web API recorder on :5200 (Slack has no runnable stand-in)
# Other ports (REHEARSAL_MOTO_PORT, REHEARSAL_SLACK_PORT) and another run
# folder (EVENTMALL_REHEARSAL_RUN) let a second run share the machine.
# Usage: servers.sh start|stop|env
set -euo pipefail
CACHE=${EVENTMALL_CACHE:-/var/cache/eventmall}
RUN=${EVENTMALL_REHEARSAL_RUN:-/tmp/eventmall-rehearsal}
VENV=$CACHE/moto-venv # moto-venv.sh creates it
MOTO_PORT=${REHEARSAL_MOTO_PORT:-5100}
SLACK_PORT=${REHEARSAL_SLACK_PORT:-5200}
HERE=$(cd "$(dirname "$0")" && pwd)
gateway() { ip -4 -o addr show docker0 | awk '{print $4}' | cut -d/ -f1; }

case "${1:-}" in
start)
  mkdir -p "$RUN"
  VENV=$("$HERE/moto-venv.sh")
  "$0" stop >/dev/null 2>&1 || true
  : >"$RUN/slack.jsonl"
  # moto runs no tasks; it reports this many as running for every ECS
  # service, which the rehearsal service (desired count 2) needs to be stable.
  MOTO_ECS_SERVICE_RUNNING=2 nohup "$VENV/bin/moto_server" -H 0.0.0.0 -p "$MOTO_PORT" >"$RUN/moto.log" 2>&1 &
  echo $! >"$RUN/moto.pid"
  nohup "$VENV/bin/python" "$HERE/slack_recorder.py" "$SLACK_PORT" "$RUN/slack.jsonl" >"$RUN/slack.log" 2>&1 &
  echo $! >"$RUN/slack.pid"
  for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null 2>&1 && break; sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null || { cat "$RUN/moto.log"; echo "moto did not start" >&2; exit 1; }
  ;;
stop)
  for p in moto slack; do
    [ -f "$RUN/$p.pid" ] && kill "$(cat "$RUN/$p.pid")" 2>/dev/null || true
    rm -f "$RUN/$p.pid"
  done
  ;;
env)
  gw=$(gateway)
  echo "export REHEARSAL_AWS_ENDPOINT=http://$gw:$MOTO_PORT"
  echo "export REHEARSAL_SLACK_API=http://$gw:$SLACK_PORT/api/"
  echo "export REHEARSAL_SLACK_RECORD=$RUN/slack.jsonl"
  echo "export REHEARSAL_PYTHON=$VENV/bin/python"
  ;;
*) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
