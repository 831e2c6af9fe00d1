"""Dossiers shaped like real use, written with COPY, for bench/queue_scale.py.

N dossiers over five years in five units with a realistic mix of states, about N/3
citizens with Togolese names and phones, guests and anonymous filers, and 3 to 6 timeline
events per filed dossier. Secondary indexes are dropped during the load and rebuilt after.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import say  # noqa: E402

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
# The three authorizations are real services now; a restricted one still stands for confidential files.
EXTRA_SERVICES = (("denonciation", "DEN", "inspection", "suggestion.yaml", True),)
# How filings spread over services (the rest of the weight goes to the real ones).
SERVICE_WEIGHTS = {
    "vitres-teintees": 30, "autorisation-entree": 25, "suggestion": 15, "couverture-securitaire": 12,
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
