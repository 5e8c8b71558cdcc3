#!/usr/bin/env python3
"""A stand-in for Slack's Web API that records what it receives.

Slack cannot be reached from here, and no runnable Slack exists, so the
pipeline's Slack stage is tested against this recorder: it answers
chat.postMessage and chat.update like Slack does and appends every call, as
one JSON object per line, to the file given as the second argument. A GET
of /calls answers that file, so a caller that cannot read the recorder's
files (the module's rehearsal, which runs it as a Dagger service) reads the
thread back.
Usage: slack_recorder.py PORT RECORD_FILE
"""
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, RECORD = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
counter = [0]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] != "/calls":
            self.send_error(404, "only GET /calls is served")
            return
        with lock:
            try:
                with open(RECORD, "rb") as f:
                    body = f.read()
            except FileNotFoundError:
                body = b""
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if "json" in (self.headers.get("Content-Type") or ""):
            form = json.loads(body or "{}")
        else:
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
        method = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        with lock:
            counter[0] += 1
            ts = form.get("ts") or "%d.%06d" % (int(time.time()), counter[0])
            # Never record the token itself: the canary test greps this file too.
            token = form.pop("token", None) or self.headers.get("Authorization", "")
            entry = {"method": method, "form": form, "token_present": bool(token)}
            with open(RECORD, "a") as f:
                f.write(json.dumps(entry) + "\n")
        reply = json.dumps({"ok": True, "channel": form.get("channel", "C0"), "ts": ts}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
