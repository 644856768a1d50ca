"""A throw-away PostgreSQL cluster on loopback, for running the test suite against PostgreSQL.

``python -m devstack.postgres COMMAND...`` starts a fresh cluster in a temporary
directory (as the ``postgres`` user when run as root: initdb refuses root), runs
COMMAND with ``DJANGO_TEST_DATABASE_URL`` pointing at it, then stops the cluster
and deletes it, whatever COMMAND did. Without PostgreSQL it installs Debian's
package when root, and otherwise says plainly that it skipped, exiting 0.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from devstack.stack import apt_install

USER = "site"


def pg_bin() -> Path | None:
    """Return the folder of initdb and pg_ctl, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def cluster(bin_dir: Path):
    """Yield the URL of a fresh cluster on 127.0.0.1; stop and delete it afterwards."""
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="site-pg-"))
    data = folder / "data"
    if as_root:
        shutil.chown(folder, "postgres")
    port = free_port()
    pg_ctl = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data)]
    started = False
    try:
        # trust on loopback only: the cluster lives for one run and listens nowhere else.
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = f"-h 127.0.0.1 -p {port} -k {folder} -F -c fsync=off -c full_page_writes=off"
        subprocess.run(
            [*pg_ctl, "-o", options, "-l", str(folder / "log"), "-w", "start"], check=True, stdout=subprocess.DEVNULL
        )
        started = True
        yield f"postgres://{USER}@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    bin_dir = pg_bin()
    if bin_dir is None and os.geteuid() == 0:
        apt_install("postgresql")
        bin_dir = pg_bin()
    if bin_dir is None:
        print(
            "SKIPPED the PostgreSQL run: PostgreSQL is not installed "
            "(sudo apt-get install postgresql, then make test again)."
        )
        return 0
    with cluster(bin_dir) as url:
        print(f"Running against a throw-away PostgreSQL cluster ({url}).", flush=True)
        return subprocess.run(argv, env={**os.environ, "DJANGO_TEST_DATABASE_URL": url}, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
