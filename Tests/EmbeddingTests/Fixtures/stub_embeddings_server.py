#!/usr/bin/env python3
"""A stand-in for a Jina/OpenAI-compatible embeddings provider, for RemoteEmbedderTests.

Listens on 127.0.0.1 (a free port, printed as the first line on stdout) and answers POST
<prefix>/v1/embeddings; the prefix picks the behaviour:
  (none)        valid answer; items in reverse order with their "index"; vector = [len(text), batch position, len(task), 0, ...]
  /auth         like (none) but requires "Authorization: Bearer secret" (else 401 with an error message)
  /flaky        503 (Retry-After: 0) on the first 2 requests, then valid answers
  /ratelimited  always 429
  /slow         waits 30 s before answering
  /garbage      200 with an HTML body
  /wrongcount   200 with one embedding too few
  /wrongdim     200 with vectors one component short
The server exits when its stdin closes. GET /stats returns {"requests": {path: count}, "bodies": [request bodies ...]}.
"""
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
requests = {}
bodies = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            self.reply(200, {"requests": requests, "bodies": bodies})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        path = self.path
        with lock:
            requests[path] = requests.get(path, 0) + 1
            count = requests[path]
        try:
            body = json.loads(raw)
        except ValueError:
            return self.reply(400, {"error": {"message": "bad json"}})
        with lock:
            bodies.append(body)
        prefix = path[: -len("/v1/embeddings")] if path.endswith("/v1/embeddings") else None
        if prefix is None:
            return self.reply(404, {"detail": "not found"})
        if prefix == "/auth" and self.headers.get("Authorization") != "Bearer secret":
            return self.reply(401, {"error": {"message": "invalid api key"}})
        if prefix == "/flaky" and count <= 2:
            return self.reply(503, {"error": "overloaded"}, headers=[("Retry-After", "0")])
        if prefix == "/ratelimited":
            return self.reply(429, {"error": {"message": "slow down"}})
        if prefix == "/slow":
            time.sleep(30)
        if prefix == "/garbage":
            return self.reply(200, b"<html>oops</html>", content_type="text/html")
        texts = body["input"]
        dim = body.get("dimensions", 4)
        if prefix == "/wrongdim":
            dim -= 1
        items = []
        for i, text in enumerate(texts):
            vector = [float(len(text)), float(i), float(len(body.get("task", "")))] + [0.0] * (dim - 3)
            items.append({"object": "embedding", "index": i, "embedding": vector[:dim]})
        items.reverse()
        if prefix == "/wrongcount":
            items = items[1:]
        self.reply(200, {"object": "list", "model": body.get("model"), "data": items,
                         "usage": {"prompt_tokens": 1, "total_tokens": 1}})


def exit_when_parent_goes():
    """The test keeps our stdin open; EOF means it finished (or died): stop."""
    sys.stdin.read()
    os._exit(0)


# A test runner may start us with SIGTERM ignored or blocked; restore the default.
signal.signal(signal.SIGTERM, signal.SIG_DFL)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
threading.Thread(target=exit_when_parent_goes, daemon=True).start()
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
