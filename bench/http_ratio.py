#!/usr/bin/env python
"""Public pages against a bare Django view, on the same server: req/s, p95 and the ratio.

A benchmark, not a test: it prints a table and always exits 0. Its last line is
`worst ratio: <number>` (the lowest page/bare throughput ratio of home, service and tracking).

    .venv/bin/python bench/http_ratio.py                       # 3 rounds of 5 s per page
    .venv/bin/python bench/http_ratio.py --seconds 1 --rounds 1  # a quick look
    .venv/bin/python bench/http_ratio.py --client python       # without wrk

Two gunicorn servers run side by side with the same workers and production settings
(GUICHET_DEPLOYMENT=production, a secret key, ALLOWED_HOSTS=127.0.0.1, the Redis cache of
CACHE_URL or redis://127.0.0.1:6379/11, collected static files, requests marked as coming
through an HTTPS proxy): one serves Guichet, the other `bench/bare_site.py`, which is
Guichet's settings and middleware with a one-line view. A throw-away database (PostgreSQL
from DATABASE_URL's server when it answers, else SQLite) is migrated and given the catalogue.
The pages are loaded in interleaved rounds (bare, home, service page, tracking, again),
with wrk when it is installed, else a Python client with threads. Everything it starts or
writes is stopped and removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile, server_url, with_database  # noqa: E402

HOST = "127.0.0.1"
SECRET = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"  # noqa: S105
DATABASE = "guichet_http_bench"
PAGES = (("bare view", "bare", "/"), ("home", "guichet", "/"),
         ("service page", "guichet", "/demarches/suggestion/"), ("tracking", "guichet", "/suivi/"))  # fmt: skip
TARGETS = {"home": 0.25, "service page": 0.25, "tracking": 0.35}
HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https", "Accept-Language": "fr"}
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(95), summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def say(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


@dataclass
class Load:
    """What one page did over all its rounds."""

    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    p95s: list[float] = field(default_factory=list)  # ms, one per round (wrk)
    latencies: list[float] = field(default_factory=list)  # s, every request (Python client)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p95(self) -> float:
        if self.latencies:
            return percentile(self.latencies, 0.95) * 1000
        return percentile(self.p95s, 0.5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --- the site ---------------------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_database(tmp: Path) -> Iterator[str]:
    """A PostgreSQL database on DATABASE_URL's server if it answers, else a SQLite file."""
    try:
        import psycopg
        from psycopg import sql

        admin = psycopg.connect(server_url(), autocommit=True, connect_timeout=3)
    except Exception:
        say("PostgreSQL does not answer: SQLite")
        yield f"sqlite:///{tmp / 'bench.sqlite3'}"
        return
    with admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        try:
            yield with_database(server_url(), DATABASE)
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))


def site_environment(database_url: str, tmp: Path, cache_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        GUICHET_DEPLOYMENT="production",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS=HOST,
        CACHE_URL=cache_url,
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="60",
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        GUICHET_VAR_DIR=str(tmp / "var"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def flush_cache(cache_url: str) -> None:
    """The bench's own Redis database starts and ends empty (stale catalogue pages otherwise)."""
    if not cache_url.startswith("redis"):
        return
    try:
        import redis

        redis.Redis.from_url(cache_url, socket_connect_timeout=2).flushdb()
    except Exception as exc:
        say(f"could not empty {cache_url}: {type(exc).__name__}")


def prepare_site(env: dict[str, str]) -> None:
    for command in (["migrate", "--no-input"], ["load_catalog"], ["collectstatic", "--no-input"]):
        subprocess.run(  # noqa: S603  (our own manage.py, fixed arguments)
            [sys.executable, str(ROOT / "manage.py"), *command, "-v", "0"],
            env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, timeout=300,
        )  # fmt: skip


@contextlib.contextmanager
def gunicorn(env: dict[str, str], settings: str, port: int, workers: int, log: Path) -> Iterator[str]:
    """A gunicorn server (production settings) until the block ends; yields its base URL."""
    command = [
        str(Path(sys.executable).with_name("gunicorn")), "guichet.wsgi:application",
        "--bind", f"{HOST}:{port}", "--workers", str(workers), "--timeout", "60",
        "--access-logfile", "/dev/null", "--error-logfile", str(log),
    ]  # fmt: skip
    if not Path(command[0]).exists():
        command[0:1] = [sys.executable, "-m", "gunicorn"]
    # Django logs failing requests on standard error: kept beside gunicorn's own log.
    with (log.with_suffix(".stderr")).open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603  (gunicorn from our virtualenv, fixed arguments)
            command, env={**env, "DJANGO_SETTINGS_MODULE": settings}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        wait_until_up(port, process, log)
        yield f"http://{HOST}:{port}"
    finally:
        process.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until_up(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start:\n{log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/", headers=HEADERS)
            if connection.getresponse().status < 500:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn on port {port} did not answer within 60 s")


# --- load -------------------------------------------------------------------------------------


def check_page(base: str, path: str) -> int:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path, headers=HEADERS)
    response = connection.getresponse()
    response.read()
    return response.status


def load_with_wrk(wrk: str, url: str, load: Load, *, seconds: float, connections: int, script: Path) -> None:
    command = [wrk, "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "-s", str(script)]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(  # noqa: S603  (wrk found on PATH, fixed arguments)
        [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    match = re.search(r"^BENCH (\d+) (\d+) (\d+) (\d+)$", output.stdout, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk gave no figures:\n{output.stdout}\n{output.stderr}")
    requests, micros, p95_micros, errors = (int(g) for g in match.groups())
    load.requests += requests
    load.seconds += micros / 1e6
    load.errors += errors
    load.p95s.append(p95_micros / 1000)


def load_with_python(
    url: str,
    load: Load,
    *,
    seconds: float,
    connections: int,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Keep-alive connections, one thread each, for `seconds`; every latency is kept.

    A GET with HEADERS by default; `bench/verify_ratio.py` sends a POST with its own body and headers."""
    sent = HEADERS if headers is None else headers
    host, port_path = url.removeprefix("http://").split(":", 1)
    port, _slash, path = port_path.partition("/")
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        latencies, errors = [], 0
        while time.monotonic() < stop_at:
            begin = time.perf_counter()
            try:
                connection.request(method, "/" + path, body=body, headers=sent)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                continue
            latencies.append(time.perf_counter() - begin)
        connection.close()
        with lock:
            load.latencies.extend(latencies)
            load.requests += len(latencies)
            load.errors += errors

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    load.seconds += time.perf_counter() - started


def run_rounds(
    bases: dict[str, str], loads: dict[str, Load], args: argparse.Namespace, *, wrk: str | None, script: Path
) -> None:
    """Every page in turn, `args.rounds` times: a drift of the machine touches all pages alike."""
    for round_number in range(1, args.rounds + 1):
        say(f"round {round_number}/{args.rounds}")
        for label, site, path in PAGES:
            url, load = bases[site] + path, loads[label]
            if wrk:
                load_with_wrk(
                    wrk, url, load, seconds=args.seconds, connections=args.connections, script=script
                )
            else:
                load_with_python(url, load, seconds=args.seconds, connections=args.connections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per page and round (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers (default 2 × cores)"
    )
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--cache-url", default=os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/11")
    args = parser.parse_args(argv)
    wrk = shutil.which("wrk") if args.client != "python" else None
    if args.client == "wrk" and not wrk:
        raise SystemExit("wrk is not installed (apt-get install wrk), or use --client python")
    client = "wrk" if wrk else "python threads"

    loads = {label: Load() for label, _site, _path in PAGES}
    with tempfile.TemporaryDirectory(prefix="guichet-http-") as tmp_name:
        tmp = Path(tmp_name)
        script = tmp / "p95.lua"
        script.write_text(WRK_SCRIPT)
        with throwaway_database(tmp) as database_url:
            env = site_environment(database_url, tmp, args.cache_url)
            flush_cache(args.cache_url)
            started = time.perf_counter()
            prepare_site(env)
            say(f"site ready (migrated, catalogue, static files) in {time.perf_counter() - started:.0f} s")
            try:
                with (
                    gunicorn(
                        env, "guichet.settings", free_port(), args.workers, tmp / "guichet.log"
                    ) as guichet,
                    gunicorn(env, "bench.bare_site", free_port(), args.workers, tmp / "bare.log") as bare,
                ):
                    bases = {"guichet": guichet, "bare": bare}
                    for label, site, path in PAGES:
                        status = check_page(bases[site], path)
                        if status != 200:
                            raise SystemExit(f"{label} ({path}) answered {status}, not 200")
                        load_with_python(
                            bases[site] + path, Load(), seconds=0.5, connections=2
                        )  # warm every worker
                    run_rounds(bases, loads, args, wrk=wrk, script=script)
                if any(load.errors for load in loads.values()):
                    for name in ("guichet", "bare"):
                        errors = (tmp / f"{name}.stderr").read_text(errors="replace")
                        say(f"--- the last of what {name} logged:\n{errors[-3000:]}")
            finally:
                flush_cache(args.cache_url)

    bare_rate = loads["bare view"].rate
    print(f"client: {client}, {args.connections} connections; gunicorn {args.workers} workers per server; "
          f"{args.rounds} round(s) of {args.seconds:g} s per page")  # fmt: skip
    print(f"{'page':<14} {'req/s':>9} {'p95 ms':>8} {'errors':>7} {'ratio':>7} {'target':>7}")
    ratios = []
    for label, _site, _path in PAGES:
        load = loads[label]
        ratio = load.rate / bare_rate if bare_rate else 0.0
        target = TARGETS.get(label)
        if target is not None:
            ratios.append(ratio)
        print(
            f"{label:<14} {load.rate:>9.1f} {load.p95:>8.1f} {load.errors:>7} {ratio:>7.3f} "
            f"{'' if target is None else format(target, '.2f'):>7}"
        )
    print(f"worst ratio: {min(ratios, default=0.0):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
