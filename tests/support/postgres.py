"""Starts a throwaway PostgreSQL cluster from Debian's binaries on a free port in a temp dir."""

from __future__ import annotations

import glob
import itertools
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Servers get ports below Linux's ephemeral range (32768-60999), from a block of this test process's own
# (one per pytest-xdist worker). A port the kernel hands out for "any free port" is also what it hands
# out for outgoing connections: one opened by a parallel test between the choice and the server's bind
# would take it, and a port just freed in one process would be chosen again by the next.
PORT_BLOCK = 1500
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_BLOCK = int(_WORKER[2:]) % 8 if _WORKER[2:].isdigit() else 8


def _candidates() -> itertools.cycle[int]:
    first = 19_000 + _BLOCK * PORT_BLOCK
    block = list(range(first, first + PORT_BLOCK))
    # Two test runs on one machine (two developers) start at different places in their block.
    start = random.randrange(PORT_BLOCK)
    return itertools.cycle(block[start:] + block[:start])


_ports = _candidates()


def free_port() -> int:
    """A port nobody listens on now, not handed out by this process before (until the block wraps)."""
    for _ in range(PORT_BLOCK):
        port = next(_ports)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@dataclass
class PgCluster:
    bindir: Path
    datadir: Path
    port: int
    as_user: str | None
    # App servers on this cluster's databases, stopped before it is (else they log lost connections).
    on_stop: list[Callable[[], None]] = field(default_factory=list)
    _names: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", self.as_user, "--", *args] if self.as_user else list(args)

    def create_database(self, name: str) -> str:
        """An empty database named `name`, or `name_2`, `name_3`... when a fixture made one before."""
        base = name
        for n in itertools.count(2):
            if name not in self._names:
                break
            name = f"{base}_{n}"
        self._names.add(name)
        subprocess.run(
            self._cmd(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name),
            check=True,
            capture_output=True,
        )
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        for stop in reversed(self.on_stop):
            stop()
        CLUSTERS.pop(self.port, None)
        subprocess.run(
            self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


# Clusters this process started, by port: tests.support.prepared copies template databases inside them.
CLUSTERS: dict[int, PgCluster] = {}


def start_cluster() -> PgCluster:
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb) not found; install Debian's postgresql package")
    as_user = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
    base = Path(tempfile.mkdtemp(prefix="pasardesa-pg-"))
    datadir = base / "data"
    if as_user:
        shutil.chown(base, user=as_user)
        base.chmod(0o755)
    port = free_port()
    cluster = PgCluster(bindir=bindir, datadir=datadir, port=port, as_user=as_user)
    subprocess.run(
        cluster._cmd(
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ),
        check=True,
        capture_output=True,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    )
    subprocess.run(
        cluster._cmd(
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-o",
            options,
            "-l",
            str(base / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        ),
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                CLUSTERS[port] = cluster
                return cluster
        time.sleep(0.1)
    cluster.stop()
    raise RuntimeError("PostgreSQL did not start")
