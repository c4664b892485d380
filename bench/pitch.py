"""Pitch-pack build time, against a bare python-docx save of the same text.

    .venv/bin/python bench/pitch.py [--packs 100]

Sets up a database of its own (a temporary SQLite file, or a fresh PostgreSQL schema when
DATABASE_URL is set), the starter outlet directory, one approved-for-press story with every
consent given and a photo, then builds N packs through the job the website uses
(``pitch.jobs.build_pack``: read the story, check consent, build the press release and radio
pitch .docx, outlets.csv and the consent summary, zip, store). In the same run it saves the
same paragraphs as a plain python-docx document N times. It prints the median and p95 per
pack, the median of the bare save, and their ratio (target: median ≤ 0.5 s, ratio ≤ 3).
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import zipfile
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from bench.support import backend_name, temporary_app  # noqa: E402

STORY = (
    "I was diagnosed with secondary breast cancer in my bones two years after I finished treatment for primary "
    "breast cancer. I had back pain for months and was told it was a pulled muscle. Nobody had told me the signs "
    "to look out for. Now I have a specialist nurse who rings me back the same day, and it makes all the difference. "
    "I still swim every Saturday and I help at my granddaughter's school fair. What I want is for everyone living "
    "with this disease to have a nurse like mine and to be counted properly by their hospital."
)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", type=int, default=100)
    args = parser.parse_args()

    from PIL import Image

    from core.db import db_session

    with temporary_app() as app:
        from core.storage import get_storage
        from moderation import accounts, service as moderation
        from pitch import documents, outlets, service
        from pitch.jobs import build_pack
        from pitch.models import Pack
        from stories.photos import clean_photo
        from stories.service import StoryInput, create_story

        session = db_session()
        outlets.load_starter(session)
        user = accounts.create_user(session, "press@bench.example", "admin", "bench password 123")
        image = io.BytesIO()
        Image.new("RGB", (1200, 900), (180, 40, 90)).save(image, "JPEG")
        story, _ = create_story(session, StoryInput(
            text=STORY, town="Leeds", about="self", first_name="Maureen", postcode_outward="LS6",
            consents={scope: True for scope in ("website", "press", "interview", "name", "photo", "contact")},
            adult=True, own_story=True, title="A nurse who rings back"), storage=get_storage(),
            photo=clean_photo(image.getvalue()))
        session.commit()
        moderation.approve(session, story, user, None, uses=["website", "press"], enforce_claim=False)
        session.commit()
        draft = service.default_draft(session, story, app.config)
        draft.quotes = ["Now I have a specialist nurse who rings me back the same day, and it makes all the difference."]

        from dataclasses import asdict

        def queued_pack() -> Pack:
            # A pack as request_pack saves it, without the after-commit job, which we time ourselves.
            pack = Pack(story_id=story.id, created_by_id=user.id, status="queued", draft=asdict(draft),
                        consent_snapshot=service.consent_snapshot(story))
            session.add(pack)
            session.commit()
            return pack

        # One pack first: it warms caches (outlet matching loads GeoNames' towns once per process).
        build_pack(queued_pack().id)

        times: list[float] = []
        for _ in range(args.packs):
            pack = queued_pack()
            started = time.perf_counter()
            build_pack(pack.id)
            times.append(time.perf_counter() - started)
            session.refresh(pack)
            assert pack.status == "ready", pack.error

        import docx

        with zipfile.ZipFile(io.BytesIO(get_storage().open(pack.storage_key))) as archive:
            names = archive.namelist()
            paragraphs = []
            for name in names:
                if name.endswith(".docx"):
                    paragraphs += [p.text for p in docx.Document(io.BytesIO(archive.read(name))).paragraphs]
        bare: list[float] = []
        for _ in range(args.packs):
            started = time.perf_counter()
            documents.bare_docx_save(paragraphs)
            bare.append(time.perf_counter() - started)

        median, bare_median = statistics.median(times), statistics.median(bare)
        print(f"Pitch-pack benchmark: {args.packs} packs, database {backend_name(app)}, "
          f"{len(paragraphs)} paragraphs, files {', '.join(sorted(names))}")
        print(f"  build_pack job:        median {median * 1000:7.1f} ms   p95 {p95(times) * 1000:7.1f} ms   (target: median <= 500 ms)")
        print(f"  bare python-docx save: median {bare_median * 1000:7.1f} ms   (same paragraphs, one document)")
        print(f"  ratio pack / bare save: {median / bare_median:5.2f}   (target <= 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
