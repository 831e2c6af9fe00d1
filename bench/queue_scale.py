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
GUICHET_DEPLOYMENT=production, collected static files), a supervisor of every unit signed in
with the TOTP step passed. Filters are read from the queue's own form and the deep page is
reached by following the "next" link of each page, so the script works whatever the
pagination and the parameter names are. Queries per page are counted on a separate request.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import parse_links, percentile, server_url, with_database  # noqa: E402

SECRET = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"  # noqa: S105
CHUNK = 50_000
YEARS = 5
_FIRST = ("Afi Ama Akossiwa Adjo Abla Essi Kafui Yawa Dzifa Enyonam Mawuli Kossi Kodjo Koffi Komi "
               "Yao Kwami Edem Sena Elom Mawuena Delali Selom Kokou Atsu Fofo Ayawa Dede Nana Yawo "
               "Ibrahim Aïcha Fatima Moussa Issa Mariam Zeinab Abdou Salif Rachida")  # fmt: skip
FIRST_NAMES = _FIRST.split()
_LAST = ("Mensah Agbeko Kouassi Amegah Adjovi Lawson Johnson Tchalla Gnassingbé Olympio Akakpo "
              "Ayivi Dogbe Fiagan Gbadoe Hounkpati Kpodar Kuevi Lanou Messan Nyaku Quashie Sodji Tossou "
              "Wilson Attiogbe Afanou Abalo Assogba Bawa Dadzie Ekoue Foli Gaba Glikpo Kodjovi Koudjo "
              "Alassani Ouro-Akpo Tcha-Tchibara Sama Bodjona Issifou Tchakondo Essowè Kadanga Yovo "
              "d'Almeida Santos Sylvanus Amouzou Dossou Edoh Kpatcha Lare Nabine Pitassa Soglo")  # fmt: skip
LAST_NAMES = _LAST.split()
LOADED_TABLES = ("accounts_user", "dossiers_dossier", "dossiers_dossierevent")
MOBILE_PREFIXES = ("90", "91", "92", "93", "96", "97", "98", "99", "70", "71", "79")

# Bench-only services, copied from a real file of the catalogue: (code, prefix, unit, base, restricted).
EXTRA_SERVICES = (
    ("vitres-teintees", "VTT", "police", "clotures_electrifiees.yaml", False),
    ("securite-evenement", "SEV", "gendarmerie", "clotures_electrifiees.yaml", False),
    ("entree-togo", "ETG", "police", "clotures_electrifiees.yaml", False),
    ("denonciation", "DEN", "inspection", "suggestion.yaml", True),
)
# How filings spread over services (the rest of the weight goes to the real ones).
SERVICE_WEIGHTS = {
    "vitres-teintees": 30, "entree-togo": 25, "suggestion": 15, "securite-evenement": 12,
    "cloture-electrifiee": 10, "denonciation": 8,
}  # fmt: skip

# States by workflow: (state, weight). Open states are a small share: nothing is ever deleted.
DECISION_MIX = (("draft", 10), ("submitted", 1), ("awaiting_payment", 2), ("paid", 0.5), ("in_review", 7),
                ("info_requested", 2.5), ("approved", 8), ("issued", 40), ("rejected", 14), ("expired", 8),
                ("revoked", 0.5), ("withdrawn", 6.5))  # fmt: skip
ANSWER_MIX = (("draft", 10), ("submitted", 1.5), ("in_review", 8), ("info_requested", 2), ("answered", 74),
              ("withdrawn", 4.5))  # fmt: skip
OPEN = {"submitted", "awaiting_payment", "paid", "in_review", "info_requested"}
DECIDED = {"approved", "issued", "rejected", "expired", "revoked", "answered"}


def say(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


# --- the environment --------------------------------------------------------------------------


def configure_environment(database_url: str, tmp: Path) -> None:
    """Production settings pointed at the bench database; everything written goes to `tmp`."""
    catalog = tmp / "catalog"
    catalog.mkdir()
    write_catalog(catalog)
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


# --- generation -------------------------------------------------------------------------------


@dataclass
class ServiceInfo:
    pk: int
    code: str
    prefix: str
    unit_id: int
    version_id: int
    workflow: str
    sla_days: int
    anonymous_allowed: bool
    restricted: bool


@dataclass
class World:
    services: list[ServiceInfo]
    agents_by_unit: dict[int, list[int]]
    supervisor_id: int
    heavy_citizen_id: int = 0
    citizens: tuple[int, int] = (0, 0)  # first id, count


def reference_for(prefix: str, number: int) -> str:
    """A valid, unique reference for the `number`-th dossier (a bijection on 7 base-32 digits)."""
    from guichet.dossiers.references import ALPHABET, check_character

    value = (number * 2_654_435_761 + 12_345) % 32**7
    body = ""
    for _i in range(7):
        value, digit = divmod(value, 32)
        body = ALPHABET[digit] + body
    full = body + check_character(body)
    return f"{prefix}-{full[:4]}-{full[4:]}"


def phone_for(citizen_number: int) -> str:
    prefix = MOBILE_PREFIXES[citizen_number % len(MOBILE_PREFIXES)]
    return f"+228{prefix}{(citizen_number // len(MOBILE_PREFIXES)) * 7 % 1_000_000:06d}"


def copy_columns(model: Any, known: list[str]) -> tuple[list[str], tuple[Any, ...]]:
    """The columns to COPY: ours first, then any other column of the model at its default.

    Another change may add columns: they get their field's default, so the load still works
    (a column whose value must be computed from others needs a line here).
    """
    extra, defaults = [], []
    for f in model._meta.concrete_fields:
        if f.column in known or getattr(f, "generated", False):
            continue
        extra.append(f.column)
        value = f.get_default()
        defaults.append(json.dumps(value) if isinstance(value, dict | list) else value)
    if extra:
        say(f"{model._meta.db_table}: columns left at their default: {', '.join(extra)}")
    return known + extra, tuple(defaults)


def secondary_indexes(cursor: Any, table: str) -> list[tuple[str, str]]:
    """Indexes that back no constraint: they can be dropped for a load and built again after."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [table],
    )
    return list(cursor.fetchall())


def build_world(rng: random.Random) -> World:
    import pyotp
    from django.contrib.auth.hashers import make_password

    from guichet.accounts.models import Membership, Unit, User
    from guichet.accounts.roles import Role
    from guichet.catalog.models import Service

    services = []
    for service in Service.objects.select_related("current_version"):
        version = service.current_version
        assert version is not None
        definition = version.definition
        services.append(
            ServiceInfo(
                service.pk, service.code, definition.prefix, service.unit_id, version.pk,
                str(definition.workflow), int(definition.sla_days), bool(definition.anonymous_allowed),
                str(definition.confidentiality) == "restricted",
            )
        )  # fmt: skip
    agents: dict[int, list[int]] = {}
    for unit in Unit.objects.all():
        agents[unit.pk] = []
        for i in range(8):
            user = User.objects.create(
                username=f"bench-{unit.code}-{i}", first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES), is_staff_member=True, password=make_password(None),
            )  # fmt: skip
            role = Role.INSPECTOR if unit.code == "inspection" else Role.AGENT
            Membership.objects.create(user=user, unit=unit, role=role)
            agents[unit.pk].append(user.pk)
    supervisor = User.objects.create(
        username="bench-supervisor", first_name="Kossi", last_name="Superviseur", is_staff_member=True,
        password=make_password(None), totp_secret=pyotp.random_base32(),
    )  # fmt: skip
    for unit in Unit.objects.all():
        Membership.objects.create(user=supervisor, unit=unit, role=Role.SUPERVISOR)
        agents[unit.pk].append(supervisor.pk)  # a ninth of each unit's assigned files are "mine"
    return World(services, agents, supervisor.pk)


@dataclass
class Plan:
    """What every generated row draws from."""

    n: int
    world: World
    rng: random.Random
    now: datetime
    first: datetime
    span: timedelta
    weights: list[float] = field(default_factory=list)
    mixes: dict[str, tuple[list[str], list[float]]] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.now.date()


def generate(n: int, *, seed: int, max_seconds: float) -> tuple[int, float]:
    """Write `n` dossiers (fewer if the time runs out); returns the number written and seconds."""
    from django.db import connection

    rng = random.Random(seed)  # noqa: S311  (made-up data, not a secret)
    world = build_world(rng)
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    plan = Plan(n, world, rng, now, now - timedelta(days=365 * YEARS), timedelta(days=365 * YEARS))
    plan.weights = [SERVICE_WEIGHTS.get(s.code, 5) for s in world.services]
    plan.mixes = {
        "decision": ([s for s, _w in DECISION_MIX], [w for _s, w in DECISION_MIX]),
        "answer": ([s for s, _w in ANSWER_MIX], [w for _s, w in ANSWER_MIX]),
    }
    dropped = []
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for table in LOADED_TABLES:
            for index_name, definition in secondary_indexes(cursor, table):
                cursor.execute(f"DROP INDEX {index_name}")
                dropped.append(definition)
    copy_citizens(plan)
    say(f"  {world.citizens[1]:,} citizens in {time.perf_counter() - started:.1f} s")
    written = copy_dossiers(plan, started, max_seconds)
    with connection.cursor() as cursor:
        for table in LOADED_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",  # noqa: S608  (our own table names)
                [table],
            )
        say(f"  building {len(dropped)} indexes again")
        for definition in dropped:
            cursor.execute(definition)
        for table in LOADED_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("CREATE TABLE bench_meta (dossiers integer, supervisor integer, heavy integer)")
        cursor.execute(
            "INSERT INTO bench_meta VALUES (%s, %s, %s)",
            [written, world.supervisor_id, world.heavy_citizen_id],
        )
    return written, time.perf_counter() - started


def next_id(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608  (our own table names)
    return int(cursor.fetchone()[0])


def copy_citizens(plan: Plan) -> None:
    """About one citizen for three dossiers: most people file once, a few file many times."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from guichet.accounts.models import User

    rng, citizens, unusable = plan.rng, max(10, plan.n // 3), make_password(None)
    columns, extra = copy_columns(User, [
        "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
        "is_staff", "is_active", "date_joined", "phone", "is_staff_member", "language", "totp_secret",
        "totp_confirmed_at",
    ])  # fmt: skip
    with connection.cursor() as cursor:
        base = next_id(cursor, "accounts_user")
        with cursor.cursor.copy(f"COPY accounts_user ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(citizens):
                copy.write_row((
                    base + i, unusable, None, False, f"c-bench{i:07d}", rng.choice(FIRST_NAMES),
                    rng.choice(LAST_NAMES), "", False, True, plan.first + plan.span * (i / citizens),
                    phone_for(i), False, "fr" if rng.random() < 0.9 else "en", "", None, *extra,
                ))  # fmt: skip
    plan.world.citizens = (base, citizens)
    plan.world.heavy_citizen_id = base  # files for a company: about 40 dossiers, a few drafts


def copy_dossiers(plan: Plan, started: float, max_seconds: float) -> int:
    """Dossiers and their timelines, CHUNK at a time, until `plan.n` or the time is up."""
    from django.db import connection

    from guichet.dossiers.models import Dossier, DossierEvent

    dossier_columns, dossier_extra = copy_columns(Dossier, [
        "id", "reference", "service_id", "service_version_id", "state", "unit_id", "applicant_id",
        "contact_kind", "contact_value", "anonymous", "receipt_hash", "language", "answers", "fee_lines",
        "fee_total", "assigned_to_id", "submission_key", "created_at", "updated_at", "submitted_at",
        "due_on", "paused_on", "decided_at", "overdue_noted_on", "applicant_news_at",
    ])  # fmt: skip
    event_columns, event_extra = copy_columns(DossierEvent, [
        "id", "dossier_id", "created_at", "kind", "public", "actor_kind", "actor_user_id", "from_state",
        "to_state", "text",
    ])  # fmt: skip
    with connection.cursor() as cursor:
        dossier_base = next_id(cursor, "dossiers_dossier")
        event_id = next_id(cursor, "dossiers_dossierevent")
    heavy_every = max(1, plan.n // 40)
    written = 0
    while written < plan.n:
        if time.perf_counter() - started > max_seconds:
            say(f"  time is up after {written:,} dossiers")
            break
        size = min(CHUNK, plan.n - written)
        events: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            with cursor.cursor.copy(
                f"COPY dossiers_dossier ({', '.join(dossier_columns)}) FROM STDIN"
            ) as copy:
                for i in range(written, written + size):
                    row, timeline = dossier_row(plan, i, dossier_base + i, heavy=i % heavy_every == 0)
                    copy.write_row((*row, *dossier_extra))
                    for event in timeline:
                        events.append((event_id, *event, *event_extra))
                        event_id += 1
            with cursor.cursor.copy(
                f"COPY dossiers_dossierevent ({', '.join(event_columns)}) FROM STDIN"
            ) as copy:
                for event in events:
                    copy.write_row(event)
        written += size
        elapsed = time.perf_counter() - started
        say(f"  {written:,} dossiers, {elapsed:.0f} s, {written / elapsed:,.0f} dossiers/s")
    return written


@dataclass
class Filed:
    """The dates and people of a filed dossier's life, and its timeline rows."""

    submitted: datetime | None = None
    due: date | None = None
    paused: date | None = None
    decided: datetime | None = None
    noted: date | None = None
    news: datetime | None = None
    assigned: int | None = None
    events: list[tuple[Any, ...]] = field(default_factory=list)


def dossier_row(plan: Plan, i: int, pk: int, *, heavy: bool) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """One dossier: created in id order over the years, its state drawn by its age."""
    rng, world = plan.rng, plan.world
    service = rng.choices(world.services, plan.weights)[0]
    states, state_weights = plan.mixes["answer" if service.workflow == "answer" else "decision"]
    created = plan.first + plan.span * (i / plan.n) + timedelta(seconds=rng.randrange(3600))
    age_days = (plan.now - created).days
    state = rng.choices(states, state_weights)[0]
    if state in OPEN and age_days > 120 and rng.random() < 0.8:
        state = "answered" if service.workflow == "answer" else rng.choice(("issued", "rejected", "expired"))
    elif state in DECIDED and age_days < 10 and rng.random() < 0.7:
        state = "in_review"
    anonymous = service.anonymous_allowed and rng.random() < 0.35
    citizen_first, citizens = world.citizens
    applicant: int | None = None
    if heavy and not anonymous:
        applicant = world.heavy_citizen_id
    elif not anonymous and rng.random() >= 0.12:
        applicant = citizen_first + rng.randrange(citizens)
    contact_kind, contact_value = "phone", ""
    if anonymous:
        contact_kind = ""
    elif applicant is not None:
        contact_value = phone_for(applicant - citizen_first)
    else:  # a guest, who confirmed a phone with a code
        contact_value = phone_for(citizens + rng.randrange(10 * citizens))
    actor_kind = "anonymous" if anonymous else "citizen" if applicant else "guest"
    filed = (
        Filed()
        if state == "draft"
        else timeline(
            plan,
            pk,
            service=service,
            state=state,
            created=created,
            actor_kind=actor_kind,
            applicant=applicant,
        )
    )
    answers = json.dumps({
        "applicant_type": "person", "full_name": "", "phone": contact_value, "prefecture": "golfe",
        "commune": "golfe-1", "address": f"Rue {i % 400}, quartier {LAST_NAMES[i % len(LAST_NAMES)]}.",
        "subject": "Demande", "message": "Texte de la demande, quelques lignes pour le dossier. " * 3,
        "work_start": "2031-01-15",
    }, ensure_ascii=False)  # fmt: skip
    row = (
        pk, reference_for(service.prefix, pk), service.pk, service.version_id, state, service.unit_id, applicant,
        contact_kind, contact_value, anonymous, uuid.UUID(int=rng.getrandbits(128)).hex if anonymous else "",
        "fr", answers, "[]", 0, filed.assigned, uuid.UUID(int=rng.getrandbits(128), version=4), created,
        (filed.events[-1][1] if filed.events else created), filed.submitted, filed.due, filed.paused,
        filed.decided, filed.noted, filed.news,
    )  # fmt: skip
    return row, filed.events


def timeline(
    plan: Plan,
    pk: int,
    *,
    service: ServiceInfo,
    state: str,
    created: datetime,
    actor_kind: str,
    applicant: int | None,
) -> Filed:
    """Filing, review, assignment, perhaps a note, a request, news or a deadline, and the outcome."""
    rng, now, today = plan.rng, plan.now, plan.today
    f = Filed(submitted=created + timedelta(minutes=rng.randrange(5, 600)))
    assert f.submitted is not None
    f.due = (f.submitted + timedelta(days=service.sla_days * 7 // 5 + 1)).date()
    f.events.append((pk, f.submitted, "state_changed", True, actor_kind, applicant, "draft", "submitted", ""))
    f.events.append((pk, f.submitted + timedelta(seconds=1), "state_changed", True, "system", None,
                     "submitted", "in_review", ""))  # fmt: skip
    if rng.random() < 0.85:
        f.assigned = rng.choice(plan.world.agents_by_unit[service.unit_id])
        f.events.append((pk, f.submitted + timedelta(hours=rng.randrange(1, 48)), "assigned", False, "staff",
                         f.assigned, "", "", ""))  # fmt: skip
    moment = f.submitted + timedelta(days=rng.randrange(1, 10))
    if rng.random() < 0.4:
        f.events.append(
            (pk, moment, "internal_note", False, "staff", f.assigned, "", "", "Pièces vérifiées.")
        )
    if state == "info_requested":
        f.paused = min(moment.date(), today)
        f.events.append((pk, moment, "state_changed", True, "staff", f.assigned, "in_review", "info_requested",
                         "Merci de préciser l’adresse exacte du site."))  # fmt: skip
    elif state in DECIDED or state == "withdrawn":
        when = min(moment + timedelta(days=rng.randrange(0, 20)), now)
        by_applicant = state == "withdrawn"
        f.events.append((pk, when, "state_changed", True, actor_kind if by_applicant else "staff",
                         applicant if by_applicant else f.assigned, "in_review", state, "Décision notifiée."))  # fmt: skip
        f.decided = None if by_applicant else when
    if state in OPEN and rng.random() < 0.25:
        f.news = min(moment + timedelta(hours=3), now)
        f.events.append((pk, f.news, "message_from_applicant", True, actor_kind, applicant, "", "",
                         "Voici les précisions demandées."))  # fmt: skip
    if state in OPEN and f.due < today and f.paused is None and rng.random() < 0.5:
        f.noted = f.due + timedelta(days=1)
        f.events.append((pk, datetime(f.noted.year, f.noted.month, f.noted.day, 8, tzinfo=UTC),
                         "deadline_passed", False, "system", None, "", "", ""))  # fmt: skip
    return f


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
    """EXPLAIN (ANALYZE, BUFFERS) of each query of each queue page that reads the dossiers table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        if not page.label.startswith(("queue", "search")):
            continue
        with CaptureQueriesContext(connection) as captured:
            request(page)
        for query in captured.captured_queries:
            sql = query["sql"]
            if "dossiers_dossier" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
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
    for page in pages:
        say(f"  measuring {page.label}")
        results.append(measure(page, repeat=repeat, max_seconds=30))
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
