"""devstack/postgres.py: a throw-away cluster on loopback that leaves nothing behind."""

import socket
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest

from devstack import postgres

pytestmark = pytest.mark.skipif(postgres.pg_bin() is None, reason="PostgreSQL is not installed")


def test_the_cluster_answers_on_loopback_and_is_gone_afterwards():
    with postgres.cluster(postgres.pg_bin()) as url:
        address = urlparse(url)
        assert address.hostname == "127.0.0.1"
        with psycopg.connect(url) as connection:
            assert connection.execute("select current_user").fetchone() == ("site",)
            folder = connection.execute("show data_directory").fetchone()[0]
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", address.port)) != 0
    assert not Path(folder).exists()


def test_the_command_runs_with_the_database_url(capfd):
    code = postgres.main(["sh", "-c", 'case "$DJANGO_TEST_DATABASE_URL" in postgres://*) exit 7;; esac'])
    assert code == 7
    assert "throw-away PostgreSQL cluster" in capfd.readouterr().out


def test_without_postgresql_it_says_it_skipped(monkeypatch, capsys):
    monkeypatch.setattr(postgres, "pg_bin", lambda: None)
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 1000)
    assert postgres.main(["false"]) == 0
    assert "SKIPPED the PostgreSQL run" in capsys.readouterr().out
