#!/usr/bin/env python
"""The back-office queue, "my files" and tracking at scale: p50 and p95 through the real views.

A benchmark, not a test: it prints a table and always exits 0. Its last line is
`worst p95 ms: <number>`.

    .venv/bin/python bench/queue_scale.py --dossiers 10000
    .venv/bin/python bench/queue_scale.py --dossiers 1000000 --keep      # keep the data for later runs
    .venv/bin/python bench/queue_scale.py --dossiers 1000000 --reuse --explain

It needs PostgreSQL: the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432),
on which it creates its own database (`guichet_bench`, `--database` to change), removed at
the end unless `--keep`. `--reuse` skips the generation when that database already holds a
finished set of the same size (migrations still run, so new indexes are built on old data).

Generation: the MSPC catalogue plus four bench-only services shaped like the coming
procedures (tinted windows, event security, entry to Togo, a confidential denunciation), in
five units; N dossiers over five years with a realistic mix of states (about 10% drafts,
most decided, some overdue, most of the filed ones assigned, some with news from the
applicant), about N/3 citizens with names and phones, guests and anonymous filers, and 3 to 6
timeline events per filed dossier, all written with COPY. Secondary indexes are dropped
during the load and built again after it, then the tables are analysed.

Measurement: Django's test client, in this process, with production settings (DEBUG off,
GUICHET_DEPLOYMENT=production, collected static files), started as a web worker is (it
imports guichet.wsgi, whose gc.freeze() keeps start-up objects out of full collections), a
supervisor of every unit signed in with the TOTP step passed. Filters are read from the queue's own form and the deep page is
reached by following the "next" link of each page, so the script works whatever the
pagination and the parameter names are. Queries per page are counted on a separate request.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import parse_links, percentile, say, server_url, with_database  # noqa: E402
from bench.scale_data import EXTRA_SERVICES, generate  # noqa: E402

SECRET = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"  # noqa: S105
# --- the environment --------------------------------------------------------------------------


def configure_environment(database_url: str, tmp: Path) -> None:
    """Production settings pointed at the bench database; everything written goes to `tmp`."""
    catalog = tmp / "catalog"
    catalog.mkdir()
    write_catalog(catalog)
    (tmp / "static").mkdir()  # WhiteNoise looks for it when the WSGI application starts
    os.environ.update(
        DJANGO_SETTINGS_MODULE="guichet.settings",
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="600",
        GUICHET_DEPLOYMENT="production",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        TASKS_BACKEND="dummy",
        CACHE_URL="",
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        GUICHET_VAR_DIR=str(tmp / "var"),
        GUICHET_CATALOG_DIR=str(catalog),
        LOG_LEVEL="ERROR",
    )
    os.environ.pop("DJANGO_DEBUG", None)


def write_catalog(directory: Path) -> None:
    """The real catalogue and the bench-only services (the same questions under another name)."""
    import yaml

    source = ROOT / "guichet" / "catalog" / "services"
    for path in source.glob("*.yaml"):
        (directory / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    for code, prefix, unit, base, restricted in EXTRA_SERVICES:
        data = yaml.safe_load((source / base).read_text(encoding="utf-8"))
        data.update(code=code, prefix=prefix, unit=unit)
        data["title"] = {"fr": f"{data['title']['fr']} ({code}, banc d’essai)", "en": f"{code} (bench)"}
        if restricted:
            data["confidentiality"] = "restricted"
        (directory / f"{code}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def admin_connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def prepare_database(url: str, name: str, n: int, *, reuse: bool) -> bool:
    """Create the bench database (dropping an old one); True when a finished set can be reused."""
    from psycopg import sql

    with admin_connect(url) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            try:
                with admin_connect(with_database(url, name)) as bench:
                    row = bench.execute("SELECT dossiers FROM bench_meta").fetchone()
                if row and row[0] == n:
                    return True
                say(f"{name} holds {row[0] if row else 'an unfinished set'}, not {n:,}: generating again")
            except Exception as exc:  # an unfinished or foreign database: start again
                say(f"{name} cannot be reused ({type(exc).__name__}): generating again")
        if exists:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return False


def drop_database(url: str, name: str) -> None:
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    with admin_connect(url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def quiet_command(name: str, *args: str) -> None:
    from django.core.management import call_command

    with contextlib.redirect_stdout(io.StringIO()):
        call_command(name, *args, verbosity=0)


@dataclass
class Result:
    label: str
    samples: list[float] = field(default_factory=list)
    queries: int | str = "?"
    rows: int | str = ""
    status: int | str = ""
    note: str = ""

    @property
    def p50(self) -> float:
        return percentile(self.samples, 0.5) * 1000

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95) * 1000


@dataclass
class Page:
    label: str
    url: str
    client: Any
    method: str = "get"
    data: dict[str, str] | None = None
    environ: Callable[[int], dict[str, str]] | None = None  # per-request WSGI environ


def request(page: Page, number: int = 0) -> Any:
    kwargs: dict[str, Any] = dict(page.environ(number)) if page.environ else {}
    if page.method == "post":
        return page.client.post(page.url, page.data or {}, **kwargs)
    return page.client.get(page.url, **kwargs)


def measure(page: Page, *, repeat: int, max_seconds: float) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Result(page.label)
    response = request(page, 10_000)  # warm-up, and the status shown
    result.status = response.status_code
    if response.status_code == 200 and page.label.startswith(("queue", "search", "my files")):
        html = response.content.decode()  # each listed dossier links to its page
        result.rows = html.count('href="/agents/dossiers/') or html.count('href="/dossiers/')
    with CaptureQueriesContext(connection) as captured:
        request(page, 10_001)
    result.queries = len(captured.captured_queries)
    started = time.perf_counter()
    for number in range(repeat):
        begin = time.perf_counter()
        request(page, number)
        result.samples.append(time.perf_counter() - begin)
        if time.perf_counter() - started > max_seconds and number >= 2:
            result.note = f"{number + 1} runs (time cap)"
            break
    return result


def queue_pages(staff: Any, world_meta: dict[str, Any], *, deep: int, deep_seconds: float) -> list[Page]:
    """Each variant of the queue, its parameters read from the queue's own filter form."""
    from django.urls import reverse

    base = reverse("backoffice:queue")
    first = staff.get(base)
    if first.status_code != 200:
        raise SystemExit(f"the queue answered {first.status_code} for the bench supervisor")
    form = parse_links(first.content.decode())
    pages = [Page("queue: first page", base, staff)]

    def pick(name_part: str, preferred: tuple[str, ...] = ()) -> tuple[str, str] | None:
        for name, options in form.selects.items():
            if name_part in name:
                values = [v for v in options if v]
                for wanted in preferred:  # a value, or a word of the option's text
                    for value in values:
                        if wanted == value or wanted in form.labels.get((name, value), ""):
                            return name, value
                return (name, values[0]) if values else None
        return None

    for label, name_part, preferred in (
        ("queue: unit", "unit", ()),
        ("queue: state in review", "state", ("in_review",)),
        ("queue: service", "service", ("vitres-teintees",)),
        ("queue: assigned to me", "assign", ("me",)),
    ):
        chosen = pick(name_part, preferred)
        if chosen:
            pages.append(Page(label, f"{base}?{chosen[0]}={chosen[1]}", staff))
        else:
            say(f"  no filter field like {name_part!r} in the queue's form")
    for label, name_part in (("queue: overdue", "overdue"), ("queue: new from applicant", "news")):
        box = next(((n, v) for n, v in form.checkboxes.items() if name_part in n), None)
        if box:
            pages.append(Page(label, f"{base}?{box[0]}={box[1]}", staff))
        else:
            say(f"  no checkbox like {name_part!r} in the queue's form")

    # The deep page: follow "next" from the first page, as a person clicking would.
    url, depth, started = base, 1, time.perf_counter()
    html = first.content.decode()
    while depth <= deep and time.perf_counter() - started < deep_seconds:
        href = parse_links(html).next_link()
        if not href:
            break
        url = href if href.startswith("/") else base + href.replace("&amp;", "&")
        html = staff.get(url).content.decode()
        depth += 1
    pages.append(Page(f"queue: page {depth} (next × {depth - 1})", url, staff))

    search = next((n for n, kind in form.inputs.items() if kind == "search"), "q")
    reference = world_meta["reference"]
    digits = world_meta["phone"][4:]
    for label, text in (
        ("search: reference, exact", reference),
        ("search: reference, prefix", reference[:8]),
        ("search: name", world_meta["last_name"]),
        ("search: first and last name", f"{world_meta['first_name']} {world_meta['last_name']}"),
        ("search: phone", f"{digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"),
    ):
        pages.append(Page(label, f"{base}?{search}={text.replace(' ', '+')}", staff))
    return pages


def citizen_pages(world_meta: dict[str, Any]) -> list[Page]:
    from django.test import Client
    from django.urls import reverse

    from guichet.accounts.models import User

    pages = []
    for label, user_id in (
        ("my files (typical)", world_meta["typical"]),
        ("my files (about 40)", world_meta["heavy"]),
    ):
        client = Client()
        client.force_login(User.objects.get(pk=user_id))
        pages.append(Page(label, reverse("portal:my_dossiers"), client))
    own = Client()
    own.force_login(User.objects.get(pk=world_meta["typical"]))
    pages.append(
        Page(
            "tracking: own reference",
            reverse("portal:track"),
            own,
            "post",
            {"reference": world_meta["typical_ref"]},
        )
    )
    from guichet.dossiers.references import check_character

    body = "ZZZZZZZ"
    unknown = f"VTT-{body[:4]}-{body[4:]}{check_character(body)}"
    pages.append(
        Page(
            "tracking: unknown reference", reverse("portal:track"), Client(), "post", {"reference": unknown},
            environ=lambda number: {"REMOTE_ADDR": f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"},
        )
    )  # fmt: skip
    return pages


def bench_facts() -> dict[str, Any]:
    """Who and what the measured pages use, read back from the generated data."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT supervisor, heavy FROM bench_meta")
        supervisor, heavy = cursor.fetchone()
        cursor.execute(
            "SELECT d.reference, u.phone, u.first_name, u.last_name, u.id FROM dossiers_dossier d "
            "JOIN accounts_user u ON u.id = d.applicant_id JOIN catalog_service s ON s.id = d.service_id "
            "WHERE d.state <> 'draft' AND s.code <> 'denonciation' AND d.applicant_id <> %s "
            "ORDER BY (d.state = 'in_review' AND s.code = 'vitres-teintees') DESC, d.id DESC LIMIT 1",
            [heavy],
        )
        reference, phone, first_name, last_name, typical = cursor.fetchone()
    return {
        "supervisor": supervisor, "heavy": heavy, "typical": typical, "typical_ref": reference,
        "reference": reference, "phone": phone, "first_name": first_name, "last_name": last_name,
    }  # fmt: skip


def staff_client(user_id: int) -> Any:
    from django.test import Client

    from guichet.accounts.models import User
    from guichet.accounts.services import STAFF_VERIFIED_SESSION_KEY

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    session = client.session
    session[STAFF_VERIFIED_SESSION_KEY] = True
    session.save()
    return client


def explain(pages: list[Page]) -> Iterator[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each query of each queue page that reads the dossiers table.

    Planner settings the page changed for its own transaction (`SET LOCAL …`) are set again
    around the EXPLAINs, so each plan is the one the page ran.
    """
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        if not page.label.startswith(("queue", "search")):
            continue
        with CaptureQueriesContext(connection) as captured:
            request(page)
        settings = [q["sql"] for q in captured.captured_queries if q["sql"].upper().startswith("SET LOCAL ")]
        for query in captured.captured_queries:
            sql = query["sql"]
            if "dossiers_dossier" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            with transaction.atomic(), connection.cursor() as cursor:
                for setting in settings:
                    cursor.execute(setting)
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
            yield f"--- {page.label}: {page.url}\n    {sql}\n{plan}"


def print_table(results: list[Result], n: int) -> None:
    print(
        f"{'page (' + format(n, ',') + ' dossiers)':<44} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'rows':>5} {'status':>7}"
    )
    for r in results:
        print(
            f"{r.label:<44} {r.p50:>8.1f} {r.p95:>8.1f} {r.queries!s:>8} {r.rows!s:>5} {r.status!s:>7}  {r.note}".rstrip()
        )


def measure_all(n: int, *, repeat: int, deep: int, with_explain: bool) -> list[Result]:
    """Every page, timed; the table; the plans when asked."""
    facts = bench_facts()
    staff = staff_client(facts["supervisor"])
    pages = queue_pages(staff, facts, deep=deep, deep_seconds=180)
    pages.append(Page("staff: dossier page", f"/agents/dossiers/{facts['reference']}/", staff))
    pages += citizen_pages(facts)
    results = []
    load_before = os.getloadavg()[0]
    for page in pages:
        say(f"  measuring {page.label}")
        results.append(measure(page, repeat=repeat, max_seconds=30))
    # Other work on the machine shows in p95 first: say how busy it was.
    print(
        f"machine: {os.cpu_count()} cores, load average {load_before:.1f} before and "
        f"{os.getloadavg()[0]:.1f} after measuring"
    )
    print_table(results, n)
    if with_explain:
        print()
        for block in explain(pages):
            print(block)
        print()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--dossiers", type=int, default=10_000, help="how many dossiers (default 10,000)")
    parser.add_argument("--database", default="guichet_bench", help="the bench database's name")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a finished database of the same size")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--deep", type=int, default=50, help="how many times to follow 'next' (default 50)")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of the queue's queries"
    )
    parser.add_argument(
        "--max-generation-minutes", type=float, default=15.0, help="stop generating after this"
    )
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)

    server = server_url()
    url = with_database(server, args.database)
    with tempfile.TemporaryDirectory(prefix="guichet-queue-") as tmp:
        configure_environment(url, Path(tmp))
        reused = prepare_database(server, args.database, args.dossiers, reuse=args.reuse)
        import django

        django.setup()
        # Start as a web worker does (guichet/wsgi.py), its gc.freeze() of start-up objects included.
        import guichet.wsgi  # noqa: F401

        try:
            started = time.perf_counter()
            quiet_command("migrate", "--no-input")
            if not reused:
                quiet_command("load_catalog")
            quiet_command("collectstatic", "--no-input")
            say(
                f"migrated, catalogue loaded, static files collected in {time.perf_counter() - started:.1f} s"
            )
            n = args.dossiers
            if reused:
                say(f"reusing {args.database} ({n:,} dossiers)")
            else:
                say(f"generating {n:,} dossiers in {args.database}")
                n, seconds = generate(n, seed=args.seed, max_seconds=args.max_generation_minutes * 60)
                say(
                    f"generated {n:,} dossiers in {seconds:.0f} s ({n / seconds:,.0f} dossiers/s with their events)"
                )
                print(f"generation: {n:,} dossiers in {seconds:.0f} s, {n / seconds:,.0f} dossiers/s")
            results = measure_all(n, repeat=args.repeat, deep=args.deep, with_explain=args.explain)
        finally:
            if not args.keep:
                drop_database(server, args.database)
    worst = max((r.p95 for r in results), default=float("nan"))
    print(f"worst p95 ms: {worst:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
