"""Benchmark the moderation queue at 1,000 and 100,000 stories.

    .venv/bin/python bench/queue.py [--sizes 1000,100000] [--requests 200] [--no-http] [--explain] [--keep]

Each size gets a database of its own: a temporary SQLite file, or, when DATABASE_URL points at
PostgreSQL, a fresh schema ``bench_<random>_<size>`` that is dropped at the end. Each is seeded
(the same synthetic stories from the same random seed), vacuumed and analysed. Then every case is
timed at all sizes with the sizes taking turns request by request: on a shared machine, figures
taken minutes apart differ by more than the sizes do, and taking turns puts that drift on both.

Each request goes through the code the queue page uses (``queue_page`` plus ``tab_counts``) in a
fresh app context with a fresh session. Cases:

  first page     the "new" tab, no filters
  deep page      the "new" tab from a cursor about 80% of the way through it
  text search    the "new" tab, a word found in about 2% of stories, plus a theme filter
  http first     (extra) GET /moderation through the test client, signed in as a moderator

It prints median and p95 in milliseconds, the ratio of the largest size's figures to the
smallest's, and PASS/FAIL against the targets: every ratio <= 1.5, and on PostgreSQL every
p95 <= 150 ms.
"""
from __future__ import annotations

import sys
from pathlib import Path

# This file is called queue.py: take its folder off the path so `import queue` (psycopg, logging
# handlers) still finds the standard library, and put the repository root there instead.
ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)
sys.path.insert(0, str(ROOT))

import argparse
import os
import random
import re
import secrets
import statistics
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select, text  # noqa: E402

from bench.support import temporary_app  # noqa: E402
from core.db import db_session, get_database  # noqa: E402

RATIO_TARGET = 1.5
P95_TARGET_MS = 150.0
CHUNK = 5_000
WARMUP = 10
SEARCH_WORD = "hydrotherapy"  # one of RARE_WORDS; each rare word is in about 2% of stories
SEARCH_THEME = "treatment"

# --- Synthetic stories ------------------------------------------------------------------------

THEMES = [
    "diagnosis", "missed_signs", "waiting", "treatment", "side_effects", "specialist_nurse", "emotional_support",
    "family_carers", "work_money", "living_well", "end_of_life", "care_quality",
]
SITES = ["bones", "liver", "lungs", "brain", "skin", "lymph_nodes"]
STATUS_WEIGHTS = {
    "new": 45, "in_review": 25, "changes_requested": 5, "approved": 15, "rejected": 7, "withdrawn": 3,
}
TOWNS = [
    ("Leeds", "England"), ("Bristol", "England"), ("Norwich", "England"), ("Plymouth", "England"),
    ("Manchester", "England"), ("Sheffield", "England"), ("York", "England"), ("Leicester", "England"),
    ("Brighton", "England"), ("Carlisle", "England"), ("Truro", "England"), ("Hull", "England"),
    ("Derby", "England"), ("Exeter", "England"), ("Ipswich", "England"), ("Luton", "England"),
    ("Glasgow", "Scotland"), ("Edinburgh", "Scotland"), ("Dundee", "Scotland"), ("Aberdeen", "Scotland"),
    ("Inverness", "Scotland"), ("Stirling", "Scotland"), ("Cardiff", "Wales"), ("Swansea", "Wales"),
    ("Newport", "Wales"), ("Wrexham", "Wales"), ("Bangor", "Wales"), ("Aberystwyth", "Wales"),
    ("Belfast", "Northern Ireland"), ("Derry", "Northern Ireland"), ("Newry", "Northern Ireland"),
    ("Lisburn", "Northern Ireland"), ("Armagh", "Northern Ireland"), (None, None),
]
FIRST_NAMES = [
    "Anne", "Bev", "Carol", "Deb", "Elaine", "Fiona", "Gill", "Helen", "Isla", "Jo", "Kath", "Linda", "Mags",
    "Nadia", "Olu", "Priya", "Rosa", "Sue", "Tracy", "Una", "Val", "Wendy", "Yasmin", "Zoe", None,
]

TIMES = [
    "Last spring", "In the autumn", "Two years ago", "Every three weeks", "Since my diagnosis", "At first",
    "By the summer", "After the scan", "Most mornings", "On bad days", "On good days", "Around Christmas",
    "When the results came", "Six months later", "That winter", "Nowadays", "Before the appointment",
    "In the waiting room", "At the clinic", "Over the weekend",
]
PEOPLE = [
    "my oncologist", "my specialist nurse", "my husband", "my wife", "my partner", "my daughter", "my son",
    "my sister", "my mum", "my best friend", "the consultant", "my GP", "the radiographer", "the pharmacist",
    "my manager", "the hospice team", "the palliative care nurse", "my neighbour", "the support group",
    "the registrar", "the receptionist", "my grandchildren",
]
VERBS = [
    "explained the results", "held my hand", "listened properly", "rang me back", "sat with me",
    "talked me through the options", "booked another scan", "changed the dose", "answered every question",
    "drove me to chemotherapy", "noticed the pain", "missed the signs", "referred me urgently",
    "made me a cup of tea", "wrote everything down", "found me a leaflet", "chased the letter",
    "arranged the bone scan", "checked my bloods", "organised the hospice visit", "cried with me",
    "helped with the forms", "filled in the benefits claim", "took the children to school",
]
FEELINGS = [
    "I felt frightened", "I felt angry", "I felt numb", "I felt relieved", "I felt invisible", "I felt listened to",
    "I felt exhausted", "I felt hopeful", "I felt alone", "I felt supported", "I felt lucky", "I felt overwhelmed",
    "I kept going", "I could not sleep", "I stopped eating", "I laughed again", "I went back to work",
    "I started walking", "I joined a forum", "I wrote a letter to my children",
]
THINGS = [
    "the fatigue", "the bone pain", "the nausea", "the hair loss", "the scanxiety", "the waiting",
    "the letter from the hospital", "the word secondary", "the metastatic diagnosis", "the liver scan",
    "the brain MRI", "the lung nodules", "the hormone therapy", "the targeted therapy", "the radiotherapy mask",
    "the chemotherapy chair", "the blood tests", "the steroids", "the neuropathy in my feet",
    "the hot flushes", "the cost of parking", "the sick pay", "the travel to clinic", "the trial",
    "the second opinion", "the CT results", "the tumour markers", "the side effects", "the clinical nurse",
]
ENDINGS = [
    "and nobody told me what it meant", "and it changed everything", "but I am still here",
    "and I wish someone had warned me", "which took far too long", "and we made a plan together",
    "and I want other women to know", "so I learned to pace myself", "and the waiting was the worst part",
    "but the nurses were wonderful", "and work were very understanding", "and I had to fight for it",
    "and it was not the end", "so I keep a diary", "which I still think about", "and life carried on",
]
TEMPLATES = [
    "{time} {person} {verb}.",
    "{time} {feeling} because of {thing}.",
    "{feeling} when {person} {verb}, {ending}.",
    "{thing} was hard, {ending}.",
    "{time} I learned about {thing} {ending}.",
    "Living with {thing} is part of every day now, {ending}.",
    "{person} {verb} and {feeling_lower}.",
    "I never expected {thing}, {ending}.",
]
# Words that make a story findable: each is in roughly 1 to 3% of stories.
RARE_WORDS = [
    "hydrotherapy", "capecitabine", "denosumab", "palbociclib", "zoledronic", "fulvestrant", "letrozole",
    "anastrozole", "herceptin", "pertuzumab", "eribulin", "gamma", "allotment", "crochet", "pilates",
    "greyhound", "choir", "swimming", "caravan", "sourdough", "watercolours", "granddaughter", "wedding",
    "marathon", "lymphoedema", "wig", "acupuncture", "reflexology", "macmillan", "mindfulness", "jigsaw",
    "bingo", "rugby", "football", "cricket", "church", "mosque", "synagogue", "volunteering", "bereavement",
    "mortgage", "redundancy", "universal", "blue-badge", "wheelchair", "stairlift", "oncotype", "biopsy",
]
RARE_SENTENCES = [
    "I found real comfort in {w}.", "The {w} helped more than I expected.", "Nobody mentioned {w} at first.",
    "{W} became part of my week.", "My nurse asked about {w} and I told her everything.",
]


def sentence_pool(rng: random.Random, size: int = 6000) -> list[tuple[str, int]]:
    pool = []
    for _ in range(size):
        feeling = rng.choice(FEELINGS)
        s = rng.choice(TEMPLATES).format(
            time=rng.choice(TIMES), person=rng.choice(PEOPLE), verb=rng.choice(VERBS), feeling=feeling,
            feeling_lower=feeling[0].lower() + feeling[1:], thing=rng.choice(THINGS), ending=rng.choice(ENDINGS),
        )
        s = s[0].upper() + s[1:]
        pool.append((s, s.count(" ") + 1))
    return pool


class Seeder:
    """Adds stories (with a version and tags each) in bulk; ids are chosen here."""

    def __init__(self, session, dialect: str, seed: int = 1) -> None:
        self.session = session
        self.dialect = dialect
        self.rng = random.Random(seed)
        self.pool = sentence_pool(self.rng)
        self.next_id = 1
        self.now = datetime.now(timezone.utc).replace(microsecond=0)
        self.word_docs = 0  # stories containing SEARCH_WORD
        self.total = 0

    def story_text(self) -> str:
        rng = self.rng
        target = rng.randint(250, 600)
        parts: list[str] = []
        words = 0
        # Each story mentions 0-3 particular things; each rare word ends up in ~2% of stories.
        rare = rng.sample(RARE_WORDS, rng.choice((0, 1, 1, 2, 2, 3)))
        if SEARCH_WORD in rare:
            self.word_docs += 1
        while words < target:
            if rare and rng.random() < 0.08:
                w = rare.pop()
                s = rng.choice(RARE_SENTENCES).format(w=w, W=w.capitalize())
                parts.append(s)
                words += s.count(" ") + 1
                continue
            s, n = rng.choice(self.pool)
            parts.append(s)
            words += n
            if rng.random() < 0.12:
                parts.append("\n\n")
        for w in rare:
            parts.append(rng.choice(RARE_SENTENCES).format(w=w, W=w.capitalize()))
        return " ".join(parts).replace(" \n\n ", "\n\n")

    def add(self, count: int) -> float:
        from moderation.models import Review, StoryTag
        from stories.models import Story, StoryVersion

        started = time.perf_counter()
        rng = self.rng
        statuses, weights = zip(*STATUS_WEIGHTS.items())
        done = 0
        # Each batch spreads over the last two years, ids rising with time within the batch.
        offsets = sorted((rng.random() * 730 * 86400 for _ in range(count)), reverse=True)
        while done < count:
            n = min(CHUNK, count - done)
            stories, versions, tags, reviews = [], [], [], []
            for i in range(n):
                sid = self.next_id
                self.next_id += 1
                created = self.now - timedelta(seconds=offsets[done + i])
                status = rng.choices(statuses, weights)[0]
                town, nation = rng.choice(TOWNS)
                sites = rng.sample(SITES, rng.choice((0, 1, 1, 2)))
                stories.append({
                    "id": sid, "public_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "status": status, "version_id": 1, "channel": rng.choice(("web", "web", "web", "paper", "phone")),
                    "first_name": rng.choice(FIRST_NAMES), "email": None, "about": rng.choice(("self", "self", "carer", "bereaved")),
                    "town": town, "nation": nation, "sites": sites, "diagnosis_year": rng.randint(2008, 2026),
                    "current_version_id": sid, "safeguarding": rng.random() < 0.01, "created_at": created,
                    "updated_at": created,
                    "withdrawn_at": created + timedelta(days=3) if status == "withdrawn" else None,
                })
                versions.append({
                    "id": sid, "story_id": sid, "number": 1, "kind": "original",
                    "title": rng.choice((None, "My story", f"Living with {rng.choice(THINGS)[4:]}",
                                         f"What {rng.choice(PEOPLE)} did")),
                    "text": self.story_text(), "author_user_id": None, "created_at": created,
                })
                for theme in rng.sample(THEMES, rng.randint(2, 4)):
                    tags.append({"story_id": sid, "tag": f"theme:{theme}"})
                for site in sites:
                    tags.append({"story_id": sid, "tag": f"site:{site}"})
                if status != "new":
                    reviews.append({
                        "story_id": sid, "claimed_by_id": None, "claimed_at": None,
                        "approved_for_website": status == "approved", "approved_for_press": status == "approved" and rng.random() < 0.5,
                        "approved_at": created + timedelta(days=5) if status == "approved" else None,
                        "rejection_reason": "other" if status == "rejected" else None,
                    })
            self.session.execute(insert(Story.__table__), stories)
            self.session.execute(insert(StoryVersion.__table__), versions)
            self.session.execute(insert(StoryTag.__table__), tags)
            if reviews:
                self.session.execute(insert(Review.__table__), reviews)
            self.session.commit()
            done += n
        self.total += count
        if self.dialect == "postgresql":
            for table, column in (("stories", "id"), ("story_versions", "id")):
                self.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), :v)"),
                                     {"v": self.next_id - 1})
            self.session.commit()
        return time.perf_counter() - started


# --- Measuring ----------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarise(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 0.95)


def deep_cursor(app) -> str:
    """The cursor of the story ~80% of the way through the "new" tab, in queue order."""
    from moderation.queue import encode_cursor
    from stories.models import Story

    with app.app_context():
        session = db_session()
        total = session.scalar(select(func.count()).select_from(Story).where(Story.status == "new"))
        story_id = session.scalar(
            select(Story.id).where(Story.status == "new")
            .order_by(Story.safeguarding.desc(), Story.created_at.asc(), Story.id.asc())
            .offset(int(total * 0.8)).limit(1)
        )
        return encode_cursor(session.get(Story, story_id))


def cases(app) -> dict:
    from moderation.queue import QueueFilters

    return {
        "first page": QueueFilters(status="new"),
        "deep page": QueueFilters(status="new", after=deep_cursor(app)),
        "text search": QueueFilters(status="new", q=SEARCH_WORD, theme=SEARCH_THEME),
    }


def calls(app, http_client=None) -> dict:
    """Each case as a function making one request to this app; it returns the rows on the page."""
    from moderation.queue import queue_page, tab_counts

    made = {}
    for name, filters in cases(app).items():
        def call(filters=filters):
            with app.app_context():
                session = db_session()
                page = queue_page(session, filters)
                tab_counts(session)
                return len(page.rows)

        made[name] = call
    if http_client is not None:
        def get():
            response = http_client.get("/moderation?status=new")
            assert response.status_code == 200, response.status_code
            return 25

        made["http first page"] = get
    return made


def measure(sites: dict[int, dict], requests: int) -> dict[int, dict[str, tuple[float, float, int]]]:
    """Time every case at every size, the sizes taking turns request by request, so that whatever
    else the machine is doing falls on all sizes alike rather than on whichever was measured last."""
    results: dict[int, dict] = {size: {} for size in sites}
    for name in next(iter(sites.values())):
        for call in (site[name] for site in sites.values()):
            for _ in range(WARMUP):
                call()
        samples: dict[int, list[float]] = {size: [] for size in sites}
        rows: dict[int, int] = {}
        for turn in range(requests):
            # ABBA: each size goes first as often as it goes second.
            for size, site in (list(sites.items()) if turn % 2 == 0 else list(sites.items())[::-1]):
                started = time.perf_counter()
                rows[size] = site[name]()
                samples[size].append((time.perf_counter() - started) * 1000)
        for size in sites:
            results[size][name] = (*summarise(samples[size]), rows[size])
    return results


def explain(app, dialect: str) -> None:
    """Print the plans of the queue's own statements for each case (PostgreSQL: EXPLAIN ANALYZE)."""
    from moderation import queue as q

    captured: list[tuple[str, object]] = []
    engine = get_database(app).engine

    from sqlalchemy import event

    def before(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        for name, filters in cases(app).items():
            captured.clear()
            with app.app_context():
                session = db_session()
                q.queue_page(session, filters)
                q.tab_counts(session)
            print(f"\n--- plans: {name} ---")
            with engine.connect() as conn:
                for statement, parameters in captured:
                    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
                    raw = conn.connection.dbapi_connection.cursor()
                    raw.execute(prefix + statement, parameters)
                    print(" ".join(statement.split()))
                    for row in raw.fetchall():
                        print("   ", row[0] if dialect == "postgresql" else row[-1])
                    raw.close()
    finally:
        event.remove(engine, "before_cursor_execute", before)


def login_client(app):
    from moderation.accounts import create_user

    email, password = "bench-moderator@example.org", "bench-password-" + secrets.token_hex(8)
    with app.app_context():
        session = db_session()
        create_user(session, email, "moderator", password)
        session.commit()
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": password})
    assert response.status_code == 302, f"login failed: {response.status_code}"
    return client


def refresh_statistics(app, dialect: str) -> float:
    started = time.perf_counter()
    engine = get_database(app).engine
    if dialect == "postgresql":
        # VACUUM as well as ANALYZE: a settled database (autovacuum would otherwise start in the middle
        # of the measurements after a bulk load, and the visibility map decides index-only scans).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            tables = conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).all()
            conn.execute(text("VACUUM (ANALYZE) " + ", ".join(f'"{t}"' for t in tables)))
            # Write the bulk load's dirty pages out now, not in the middle of the measurements.
            conn.execute(text("CHECKPOINT"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


# --- Main ---------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="story counts, ascending (default 1000,100000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per case (default 200)")
    parser.add_argument("--no-http", action="store_true", help="skip the extra full-page HTTP measurement")
    parser.add_argument("--explain", action="store_true", help="print query plans at each size")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schemas afterwards (for study)")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    os.environ.setdefault("SECRET_KEY", secrets.token_hex(16))
    url = os.environ.get("DATABASE_URL") or ""
    backend = "postgresql" if url and not url.startswith("sqlite") else "sqlite"
    print(f"backend: {backend}; one database per size" + (" (schemas bench_<random>_<size>)" if backend == "postgresql" else ""))
    print(f"sizes: {', '.join(f'{s:,}' for s in sizes)}; {args.requests} timed requests per case after {WARMUP} warm-up, "
          "the sizes taking turns")
    print(f"text search: q={SEARCH_WORD!r} theme={SEARCH_THEME!r}\n")

    sites = {}
    with ExitStack() as stack:
        for size in sizes:
            app = stack.enter_context(temporary_app(
                name=str(size), keep=args.keep, MAIL_SERVER=None, LOGIN_RATE_LIMIT="1000 per minute"))
            database = get_database(app)
            dialect = database.engine.dialect.name
            seeder_session = database.session()
            seeder = Seeder(seeder_session, dialect)
            seconds = seeder.add(size)
            seeder_session.close()
            stats = refresh_statistics(app, dialect)
            with app.app_context():
                new = db_session().scalar(text("SELECT count(*) FROM stories WHERE status = 'new'"))
            print(f"seeded {size:,} stories in {seconds:.1f}s (statistics {stats:.1f}s); "
                  f"{new:,} new; {seeder.word_docs / seeder.total:.1%} contain {SEARCH_WORD!r}", flush=True)
            if args.explain:
                explain(app, dialect)
            sites[size] = calls(app, None if args.no_http else login_client(app))
        results = measure(sites, args.requests)

    return report(backend, sizes, results)


def report(backend: str, sizes: list[int], results: dict[int, dict]) -> int:
    print()
    print(f"{'backend':<11}{'size':>9}  {'case':<17}{'median ms':>10}{'p95 ms':>10}")
    for size in sizes:
        for name, (median, p95, _rows) in results[size].items():
            print(f"{backend:<11}{size:>9,}  {name:<17}{median:>10.2f}{p95:>10.2f}")
    failures = 0
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        print(f"\nratio {large:,}/{small:,}   (target: ratio <= {RATIO_TARGET}"
              + (f", p95 <= {P95_TARGET_MS:.0f} ms)" if backend == "postgresql" else "; p95 target is PostgreSQL's)"))
        print(f"{'case':<17}{'median x':>10}{'p95 x':>10}  verdict")
        for name in results[large]:
            m_small, p_small, _ = results[small][name]
            m_large, p_large, _ = results[large][name]
            rm, rp = m_large / m_small, p_large / p_small
            problems = []
            if rm > RATIO_TARGET or rp > RATIO_TARGET:
                problems.append("ratio")
            if backend == "postgresql" and p_large > P95_TARGET_MS:
                problems.append("p95")
            extra = name.startswith("http")
            verdict = "PASS" if not problems else "FAIL (" + ", ".join(problems) + ")"
            if extra:
                verdict += "  [extra, not a target]"
            elif problems:
                failures += 1
            print(f"{name:<17}{rm:>10.2f}{rp:>10.2f}  {verdict}")
        print(f"\n{'PASS' if not failures else 'FAIL'}: {failures} of {len([n for n in results[large] if not n.startswith('http')])} cases miss the target")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
