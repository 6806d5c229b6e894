"""Runs the real app in a uvicorn subprocess, so tests talk to it over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask a server process to stop; kill it if it has not within ten seconds."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def stop(self) -> None:
        stop_process(self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_server(env: dict[str, str], *, workers: int = 1, log_dir: Path, port: int | None = None) -> LiveServer:
    """Serve the app; `port` restarts a stopped server where its clients expect it."""
    port = port or free_port()
    log_path = log_dir / f"server-{port}.log"
    full_env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(port)}
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.asgi:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--workers",
        str(workers),
        # Longer than httpx's 5 s keep-alive: the client drops an idle connection before the server does,
        # else a request sent on a connection the server is closing fails (seen on a busy machine).
        "--timeout-keep-alive",
        "30",
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(args, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    # Generous: with tests running in parallel on a busy machine, importing the app alone can take a
    # minute; how fast a server starts is not what these tests check.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(url + "/healthz", timeout=10).status_code == 200:
                return LiveServer(process=process, url=url, log_path=log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    # terminate, not kill: uvicorn's supervisor stops its worker processes, which SIGKILL would orphan.
    stop_process(process)
    raise RuntimeError(f"server did not start:\n{log_path.read_text(errors='replace')}")
