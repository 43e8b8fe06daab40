"""Starts the real campus-search server on a free loopback port for the end-to-end tests."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _binary() -> str:
    explicit = os.environ.get("CAMPUS_SEARCH_BIN")
    if explicit:
        return explicit
    for config in ("debug", "release"):
        path = os.path.join(ROOT, ".build", config, "campus-search")
        if os.path.exists(path):
            return path
    raise RuntimeError("campus-search is not built: run `swift build` first")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, extra_env=None):
        self.data_dir = tempfile.mkdtemp(prefix="campus-e2e-")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = extra_env or {}
        self.process = None

    def start(self):
        env = dict(os.environ, CAMPUS_SEARCH_LOG_LEVEL="error",
                   CAMPUS_SEARCH_MODEL_DIR=os.path.join(ROOT, "data", "models", "all-MiniLM-L6-v2"), **self.extra_env)
        self.process = subprocess.Popen(
            [_binary(), "serve", "--data-dir", self.data_dir, "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("server exited: " + self.process.stderr.read().decode())
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not become ready")

    def kill(self, sig=9):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def server():
    s = Server().start()
    yield s
    s.cleanup()


@pytest.fixture()
def fresh_server():
    s = Server().start()
    yield s
    s.cleanup()
