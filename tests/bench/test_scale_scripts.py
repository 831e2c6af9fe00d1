"""bench/queue_scale.py and bench/http_ratio.py: each runs on a tiny size and ends with its agreed line.

No figure is asserted: the benchmarks print numbers for people to read. These tests only
prove the scripts still run against the current pages, and clean up after themselves.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.common import LinkParser, parse_links, percentile, with_database

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def run(*args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own scripts, fixed arguments)
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


def database_exists(name: str) -> bool:
    import psycopg

    from bench.common import server_url

    with psycopg.connect(server_url(), autocommit=True) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


@pytest.mark.skipif(not POSTGRES, reason="queue_scale.py needs PostgreSQL (DATABASE_URL)")
def test_queue_scale_measures_every_page_and_removes_its_database():
    result = run("bench/queue_scale.py", "--dossiers", "200", "--repeat", "2", "--deep", "3",
                 "--database", "guichet_bench_test")  # fmt: skip

    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"worst p95 ms: \d+\.\d", lines[-1])
    rows = {
        line[:44].strip(): line.split()
        for line in lines
        if line.startswith(("queue", "search", "my files", "tracking"))
    }
    for label in ("queue: first page", "queue: unit", "queue: state in review", "queue: service", "queue: assigned to me",
                  "queue: overdue", "queue: new from applicant", "search: reference, exact", "search: name",
                  "search: phone", "my files (typical)", "tracking: own reference"):  # fmt: skip
        assert label in rows, result.stdout
    assert any(label.startswith("queue: page ") for label in rows)
    assert rows["queue: first page"][-1] == "200"
    assert rows["search: reference, exact"][-2] == "1"  # the one file it names
    assert not database_exists("guichet_bench_test")


@pytest.mark.once  # its own servers and database: the same work on either run
def test_http_ratio_quick_mode_prints_each_page_and_the_worst_ratio():
    result = run("bench/http_ratio.py", "--seconds", "1", "--rounds", "1", "--workers", "1", timeout=180)

    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"worst ratio: \d+\.\d{3}", lines[-1])
    for page in ("bare view", "home", "service page", "tracking"):
        assert any(line.startswith(page) for line in lines), result.stdout
    # Both servers are gone, and so is their folder.
    processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout  # noqa: S607
    assert "guichet-http-" not in processes


def test_percentile_is_the_nearest_rank():
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([float(n) for n in range(1, 21)], 0.95) == 19.0
    assert percentile([7.0], 0.95) == 7.0


def test_the_next_link_is_read_from_the_page():
    page = parse_links('<a href="?page=1" rel="prev">p</a><a href="?cursor=abc&amp;state=x" rel="next">n</a>'
                       '<form method="get"><select name="state"><option value="">all</option><option value="x">x</option>'
                       '</select><input type="checkbox" name="overdue"><input type="search" name="q"></form>')  # fmt: skip

    assert isinstance(page, LinkParser)
    assert page.next_link() == "?cursor=abc&state=x"
    assert page.selects == {"state": ["", "x"]}
    assert page.labels[("state", "x")] == "x"
    assert page.checkboxes == {"overdue": "on"}
    assert page.inputs == {"q": "search"}


def test_the_bench_database_is_named_on_the_same_server():
    assert with_database("postgres://postgres@127.0.0.1:5432/guichet", "guichet_bench") == (
        "postgres://postgres@127.0.0.1:5432/guichet_bench"
    )
    with pytest.raises(ValueError, match="plain database name"):
        with_database("postgres://postgres@127.0.0.1:5432/guichet", "x; DROP")
