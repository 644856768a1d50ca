"""A throw-away Redis on loopback, the shared cache of `make serve`.

Nothing is saved (no RDB, no AOF): the cache holds what workers must agree on
for a while (verified API tokens, rate limits, job pacing), never anything that
cannot be rebuilt. Without ``redis-server`` it installs Debian's package when root.
"""

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager

from devstack.stack import apt_install, die_with_parent

PACKAGE = "redis-server"


class RedisMissing(RuntimeError):
    """redis-server is not installed and cannot be installed from here."""


def redis_bin(*, install: bool) -> str:
    """Return the path of redis-server, installing Debian's package first when ``install`` and it is missing."""
    found = shutil.which("redis-server")
    if found is None and install:
        apt_install(PACKAGE)
        found = shutil.which("redis-server")
    if found is None:
        raise RedisMissing(f"redis-server is missing: sudo apt-get install {PACKAGE}, then try again.")
    return found


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server(*, executable: str, port: int, folder, timeout: float = 20):
    """Run redis-server on 127.0.0.1:``port`` with ``folder`` as its working directory; yield its URL."""
    command = [
        executable,
        *("--bind", "127.0.0.1", "--port", str(port), "--protected-mode", "yes"),
        *("--save", "", "--appendonly", "no", "--dir", str(folder), "--logfile", ""),
    ]
    process = subprocess.Popen(die_with_parent(command), stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not _answers_ping(port):
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {process.returncode} at start-up")
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer within {timeout}s")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
