"""`make run` for real: it refuses a taken port before starting anything, and a signal stops all it started.

These start the whole development stack (MiniStack, the simulated providers,
provisioning, migrations, runserver) in a process group of its own, with
every port and the state folder chosen by the test, then signal the group the
way a process manager or a closing terminal would.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from devstack.stack import ROOT, LocalStack, PortTaken, require_free_port
from tests.flows import free_port

pytestmark = pytest.mark.slow


def _environment(tmp_path, **ports):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "DJANGO_", "MINISTACK_"))}
    env.update(
        COGNITO_LOCAL_STATE_DIR=str(tmp_path / "state"),
        DJANGO_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_PORT=str(ports.get("site") or free_port()),
        MINISTACK_PORT=str(ports.get("ministack") or free_port()),
        COGNITO_SIMULATED_GOOGLE_PORT=str(free_port()),
        COGNITO_SIMULATED_FACEBOOK_PORT=str(free_port()),
        COGNITO_SIMULATED_APPLE_PORT=str(free_port()),
    )
    return env


def _processes_of(marker):
    """Return the pids of processes whose environment mentions ``marker`` (this run's state folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _wait_for_site(process, port, deadline):
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode(errors="replace")[-3000:]
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError("the site did not come up")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_make_runs_process_group_leaves_no_process(tmp_path, signum):
    env = _environment(tmp_path)
    marker = str(tmp_path / "state")
    process = subprocess.Popen(  # noqa: S603
        [shutil.which("make"), "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for_site(process, env["DJANGO_PORT"], time.monotonic() + 180)
        assert _processes_of(marker)  # MiniStack, the site and the job worker are running ...
        assert any(b"db_worker" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in _processes_of(marker))

        os.killpg(process.pid, signum)
        process.wait(timeout=60)

        deadline = time.monotonic() + 10
        while _processes_of(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_of(marker) == []  # ... and none of them is left
        for name in ("DJANGO_PORT", "MINISTACK_PORT", "COGNITO_SIMULATED_GOOGLE_PORT"):
            require_free_port(int(env[name]), what=name, variable=name)  # nothing listens there any more
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in _processes_of(marker):
            os.kill(pid, signal.SIGKILL)


def test_a_taken_site_port_is_refused_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _environment(tmp_path, site=port)
        result = subprocess.run(  # noqa: S603
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "devstack.run"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=60,
        )
    assert result.returncode == 2
    message = result.stderr.decode()
    assert f"Port {port} on 127.0.0.1, which the site needs, is already in use" in message
    assert "DJANGO_PORT=" in message
    assert not (tmp_path / "state" / "ministack-state").exists()  # MiniStack never started


def test_a_taken_ministack_port_is_never_adopted(tmp_path):
    """Something answering on the port is not taken for our MiniStack: the stack says so and stops."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortTaken, match=rf"Port {port} .* MINISTACK_PORT="):
            LocalStack(port=port, state_dir=tmp_path).start()
