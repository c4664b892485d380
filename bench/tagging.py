"""Tagging throughput through the job path, against bare ``nlp.pipe`` on the same texts.

    .venv/bin/python bench/tagging.py [--stories 500] [--corpus PATH] [--batch-size 50]

Seeds a database of its own (a temporary SQLite file, or a fresh PostgreSQL schema when
DATABASE_URL is set) with N stories, then in one run:

1. the job path, batched: ``moderation.nlp.jobs.retag`` (what ``flask nlp retag`` and the sweep
   use): read versions from the database, tag them through ``Tagger.tag_many``, write Tagging and
   queue tags, commit per batch;
2. the job path, one job per story: ``moderation.nlp.jobs.tag_version``, exactly what an rq
   worker runs for each new version (a job takes other untagged versions along in its batch);
3. bare ``nlp.pipe`` of the model alone over the same texts.

It prints words per second for each, the ratios to bare ``nlp.pipe``, and the peak resident
memory of the process after the job path (what a worker holds) and at the end.
Texts come from an annotated corpus file (the project's shared corpus by default), repeated to N.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import insert, select, text  # noqa: E402

from bench.support import backend_name, temporary_app  # noqa: E402

DEFAULT_CORPUS = _HERE.parent.parent / "shared" / "corpus" / "dev.jsonl"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_texts(path: Path, count: int) -> list[str]:
    if path.exists():
        base = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        sentence = ("I was told the cancer had spread to my bones and my liver, and the waiting for scans was the "
                    "hardest part, but my specialist nurse in Leeds has been wonderful and my family keep me going. ")
        base = [sentence * (10 + i % 20) for i in range(24)]
    return [base[i % len(base)] for i in range(count)]


def seed(app, texts: list[str]) -> list[int]:
    from core.db import db_session, new_public_id, utcnow
    from stories.models import Story, StoryVersion

    session = db_session()
    now = utcnow()
    stories = [{"public_id": new_public_id(), "status": "new", "version_id": 1, "channel": "paper", "town": "Leeds",
                "sites": [], "created_at": now, "updated_at": now, "safeguarding": False} for _ in texts]
    session.execute(insert(Story), stories)
    ids = list(session.scalars(select(Story.id).order_by(Story.id)))
    session.execute(insert(StoryVersion), [
        {"story_id": sid, "number": 1, "kind": "original", "text": t, "created_at": now} for sid, t in zip(ids, texts)
    ])
    versions = dict(session.execute(select(StoryVersion.story_id, StoryVersion.id)).all())
    for sid in ids:
        session.execute(text("UPDATE stories SET current_version_id = :v WHERE id = :s"), {"v": versions[sid], "s": sid})
    session.commit()
    return [versions[sid] for sid in ids]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=500)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--batch-size", type=int, default=50)
    args = parser.parse_args()

    from core.db import db_session

    with temporary_app() as app:
        texts = load_texts(args.corpus, args.stories)
        words = sum(len(t.split()) for t in texts)
        version_ids = seed(app, texts)

        from moderation.nlp.jobs import retag, tag_version
        from moderation.nlp.pipeline import MODEL_NAME, get_tagger

        started = time.perf_counter()
        tagger = get_tagger()
        load_seconds = time.perf_counter() - started
        tagger.tag(texts[0])  # warm up

        started = time.perf_counter()
        retag(db_session(), version_ids, batch_size=args.batch_size)
        batched = time.perf_counter() - started

        subset = version_ids[: max(50, len(version_ids) // 5)]
        subset_words = sum(len(texts[i].split()) for i in range(len(subset)))
        from sqlalchemy import delete

        from moderation.models import Tagging

        session = db_session()
        session.execute(delete(Tagging).where(Tagging.version_id.in_(subset)))
        session.commit()
        started = time.perf_counter()
        for version_id in subset:
            tag_version(version_id)
        per_job = time.perf_counter() - started
        worker_rss = peak_rss_mb()

        import spacy

        bare_nlp = spacy.load(MODEL_NAME)
        list(bare_nlp.pipe(texts[:20], batch_size=args.batch_size))  # warm up
        started = time.perf_counter()
        for _ in bare_nlp.pipe(texts, batch_size=args.batch_size):
            pass
        bare = time.perf_counter() - started

        rate_batched, rate_job, rate_bare = words / batched, subset_words / per_job, words / bare
        print(f"Tagging benchmark: {len(texts)} stories, {words:,} words, batch size {args.batch_size}, "
          f"database {backend_name(app)}")
        print(f"  pipeline load (once per process):        {load_seconds:6.1f} s")
        print(f"  job path, batched (retag / sweep):       {rate_batched:8,.0f} words/s")
        print(f"  job path, one rq job per story ({len(subset)}):   {rate_job:8,.0f} words/s")
        print(f"  bare nlp.pipe (model alone):             {rate_bare:8,.0f} words/s")
        print(f"  ratio batched job path / bare nlp.pipe:  {rate_batched / rate_bare:6.2f}   (target >= 0.8)")
        print(f"  ratio per-story jobs / bare nlp.pipe:    {rate_job / rate_bare:6.2f}")
        print(f"  peak resident memory after the job path: {worker_rss:6.0f} MB (target <= 500 MB)")
        print(f"  peak resident memory at the end:         {peak_rss_mb():6.0f} MB (with a second copy of the model)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
