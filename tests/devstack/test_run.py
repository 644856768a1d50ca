"""`make run` for real: it refuses a taken port before starting anything, and a signal stops all it started.

These start the whole development stack (MiniStack, the simulated providers,
provisioning, migrations, runserver) in a process group of its own, with
every port and the state folder chosen by the test, then signal the group the
way a process manager or a closing terminal would.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from devstack.stack import ROOT, LocalStack, PortTaken, require_free_port
from tests.servers import make_environment, make_started, processes_of, wait_for_site

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_make_runs_process_group_leaves_no_process(tmp_path, signum):
    env = make_environment(tmp_path)
    marker = str(tmp_path / "state")
    process = make_started("run", env)
    try:
        wait_for_site(process, env["DJANGO_PORT"], time.monotonic() + 180)
        assert processes_of(marker)  # MiniStack, the site and the job worker are running ...
        assert any(b"db_worker" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in processes_of(marker))

        os.killpg(process.pid, signum)
        process.wait(timeout=60)

        deadline = time.monotonic() + 10
        while processes_of(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes_of(marker) == []  # ... and none of them is left
        for name in ("DJANGO_PORT", "MINISTACK_PORT", "COGNITO_SIMULATED_GOOGLE_PORT"):
            require_free_port(int(env[name]), what=name, variable=name)  # nothing listens there any more
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in processes_of(marker):
            os.kill(pid, signal.SIGKILL)


def test_a_taken_site_port_is_refused_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = make_environment(tmp_path, site=port)
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
