"""Start and stop MiniStack, the local Cognito, for `make run` and the test suite.

MiniStack runs from its own virtual environment (.venv-ministack) because it
pins an exact botocore. It binds 127.0.0.1 only, serves only the services the
site needs, and runs with AUTH=true so that disabled and signed-out users are
refused like on AWS (README, "The local Cognito stack").
"""

import errno
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINISTACK = ROOT / ".venv-ministack" / "bin" / "ministack"
DEFAULT_PORT = 4577
SERVICES = "cognito-idp,cognito-identity,sts,iam,ses,s3,lambda"


class PortTaken(RuntimeError):
    """A port the development stack needs is in use by something it did not start."""


def require_free_port(port, *, what, variable):
    """Raise PortTaken, naming the port and the variable that moves it, unless 127.0.0.1:``port`` is free.

    Something already answering there is never adopted: it could be another
    checkout's stack, whose users this one would then provision into.
    """
    with socket.socket() as probe:
        # As servers bind: a port whose last connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortTaken(
                f"Port {port} on 127.0.0.1, which {what} needs, is already in use (another `make run`?). "
                f"Stop whatever holds it, or choose another port with {variable}=..."
            ) from None


def apt_install(package):
    """Install Debian's ``package`` (as root), without starting the service it may bring.

    RUNLEVEL=1 makes invoke-rc.d leave services stopped: a `make serve` or `make test`
    that installs redis-server or postgresql must not leave a system daemon running.
    """
    subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)  # noqa: S607
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", package],  # noqa: S607
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive", "RUNLEVEL": "1"},
        stdout=subprocess.DEVNULL,
    )


def die_with_parent(command):
    """Return ``command`` so that Linux sends it SIGTERM if the process that started it dies, even by SIGKILL.

    util-linux's setpriv sets the parent-death signal and execs the command
    (safer than a preexec_fn in a process with threads, like the test server).
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--", *command] if setpriv else command


class LocalStack:
    """One MiniStack process on 127.0.0.1:``port``, keeping state in ``state_dir``."""

    def __init__(self, *, port=DEFAULT_PORT, state_dir, persist=True, log_path=None, services=SERVICES):
        self.port = port
        self.services = services
        self.state_dir = Path(state_dir)
        self.persist = persist
        self.log_path = Path(log_path) if log_path else self.state_dir / "ministack.log"
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        if not MINISTACK.exists():
            raise RuntimeError(f"{MINISTACK} is missing: `make run` and `make test` install it into .venv-ministack")
        require_free_port(self.port, what="the local Cognito stack (MiniStack)", variable="MINISTACK_PORT")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(self.state_dir)),
            "TMPDIR": str(self.state_dir),
            "BIND_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(self.port),
            "SERVICES": self.services,
            "AUTH": "true",
            # No listeners besides the HTTP port.
            "IOT_MTLS_ENABLED": "0",
            "SFTP_ENABLED": "0",
            "PERSIST_STATE": "1" if self.persist else "0",
            # Signing keys live here too, so tokens stay valid across restarts.
            "STATE_DIR": str(self.state_dir),
            "MINISTACK_REGION": os.environ.get("COGNITO_REGION", "us-east-1"),
            "LOG_LEVEL": "WARNING",
        }
        log = open(self.log_path, "ab")  # noqa: SIM115  (closed in stop)
        # A session of its own, so that a Ctrl-C meant for the site does not cut
        # MiniStack short before it saves its state: stop() ends it with SIGTERM,
        # and Linux ends it if whoever started it dies without calling stop().
        self.process = subprocess.Popen(
            die_with_parent([str(MINISTACK)]), env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._log = log
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"MiniStack exited with {self.process.returncode}; see {self.log_path}")
            if self.is_ready():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"MiniStack did not become ready within {timeout}s; see {self.log_path}")

    def is_ready(self):
        try:
            with urllib.request.urlopen(f"{self.url}/_ministack/ready", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, timeout=20):
        """Stop MiniStack with SIGTERM, which makes it save its state, then wait."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
