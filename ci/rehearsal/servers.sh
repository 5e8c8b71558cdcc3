#!/usr/bin/env bash
# Starts / stops the rehearsal's stand-ins on the host, where the engine's
# containers reach them through the docker bridge:
#   moto (a real AWS API emulator, from PyPI) on :5100
#   a Slack Web API recorder on :5200 (Slack has no runnable stand-in)
#   ecrfront (ci/rehearsal/ecrfront), the registry front that makes the local
#     registry refuse a push to an existing tag as an IMMUTABLE ECR repository
#     does. The engine pushes over plain HTTP only to the local registry's
#     address or to loopback, so the front listens on 127.0.0.1:5300 (REHEARSAL_FRONT_PORT) inside
#     the engine container's network namespace (nsenter -n; the engine itself
#     is not changed) and forwards to the local registry.
# Other ports (REHEARSAL_MOTO_PORT, REHEARSAL_SLACK_PORT, REHEARSAL_FRONT_PORT) and another run
# folder (EVENTMALL_REHEARSAL_RUN) let a second run share the machine.
# Usage: servers.sh start|stop|env   (start needs the engine env: go run ./ci/airgap env)
set -euo pipefail
CACHE=${EVENTMALL_CACHE:-/var/cache/eventmall}
RUN=${EVENTMALL_REHEARSAL_RUN:-/tmp/eventmall-rehearsal}
VENV=$CACHE/moto-venv # moto-venv.sh creates it
MOTO_PORT=${REHEARSAL_MOTO_PORT:-5100}
SLACK_PORT=${REHEARSAL_SLACK_PORT:-5200}
HERE=$(cd "$(dirname "$0")" && pwd)
FRONT_PORT=${REHEARSAL_FRONT_PORT:-5300}
engine_pid() { docker inspect -f '{{.State.Pid}}' "${_EXPERIMENTAL_DAGGER_RUNNER_HOST#docker-container://}"; }
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
  : "${_EXPERIMENTAL_DAGGER_RUNNER_HOST:?no engine: eval \"\$(go run ./ci/airgap env)\" first}"
  : "${EVENTMALL_REGISTRY:?no local registry address: eval \"\$(go run ./ci/airgap env)\" first}"
  (cd "$HERE/../.." && go build -o "$RUN/ecrfront" ./ci/rehearsal/ecrfront)
  nohup nsenter -t "$(engine_pid)" -n "$RUN/ecrfront" -listen "127.0.0.1:$FRONT_PORT" -upstream "http://$EVENTMALL_REGISTRY" >"$RUN/ecrfront.log" 2>&1 &
  echo $! >"$RUN/ecrfront.pid"
  for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null 2>&1 && break; sleep 0.2
  done
  for _ in $(seq 1 25); do grep -q "immutable tags" "$RUN/ecrfront.log" 2>/dev/null && break; sleep 0.2; done
  kill -0 "$(cat "$RUN/ecrfront.pid")" 2>/dev/null || { cat "$RUN/ecrfront.log"; echo "the registry front did not start" >&2; exit 1; }
  curl -fsS "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null || { cat "$RUN/moto.log"; echo "moto did not start" >&2; exit 1; }
  ;;
stop)
  for p in moto slack ecrfront; do
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
  # The stand-in for ECR as the engine reaches it (the front; loopback of the engine's namespace).
  echo "export REHEARSAL_REGISTRY=127.0.0.1:$FRONT_PORT"
  ;;
*) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
