"""The local media a story can be pitched to: the starter outlet directory and its CSV import.

Plain dataclasses and functions, no Flask or SQLAlchemy, so the web app, the pack job and
the CLI all share them. The geography they rest on (postcode areas, towns, nations and
regions, distances) is ``core.places``; its public names are re-exported here so that
``from pitch.directory import nation_for`` keeps working, but new code should import them
from ``core.places``.

Data file (``pitch/data/``), loaded once and validated as it loads:

``outlets.csv``
    A starter directory of real UK media: names and coverage only, never contacts. Columns
    are ``OUTLET_COLUMNS``. ``areas`` is a semicolon-separated list of what the outlet covers;
    each entry is one of:

    * a postcode district (``LS6``) or postcode area (``LS``);
    * a town or city (``Harrogate``), for outlets whose patch follows a town, not postcodes;
    * a nation (``Scotland``, ``Wales``, ``Northern Ireland``, ``England``) for an outlet
      that covers the whole of it;
    * ``UK`` for a national outlet.

    The first entry is the outlet's home: matching measures distance to it. ``nation`` and
    ``region`` say where the outlet is based (``UK`` and ``UK`` for national outlets);
    ``active`` is ``true`` or ``false``.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.places import (  # the moved geography, re-exported for existing callers
    AREA_COLUMNS,
    CROWN_DEPENDENCIES,
    ENGLISH_REGIONS,
    NATIONS,
    UK,
    UK_NATIONS,
    PostcodeArea,
    Town,
    area_for_town,
    area_label,
    distance_km,
    district_of,
    find_town,
    is_known_town,
    load_postcode_areas,
    load_town_aliases,
    nation_for,
    normalise_outward_code,
    outward_code_area,
    region_for,
    town_key,
    valid_regions_for,
)

__all__ = [
    # outlets
    "DATA_DIR",
    "OUTLET_KINDS",
    "OUTLET_COLUMNS",
    "OutletRecord",
    "classify_coverage",
    "parse_outlets_csv",
    "outlets_to_csv",
    "load_starter_outlets",
    # re-exported from core.places
    "AREA_COLUMNS",
    "CROWN_DEPENDENCIES",
    "ENGLISH_REGIONS",
    "NATIONS",
    "UK",
    "UK_NATIONS",
    "PostcodeArea",
    "Town",
    "area_for_town",
    "area_label",
    "distance_km",
    "district_of",
    "find_town",
    "is_known_town",
    "load_postcode_areas",
    "load_town_aliases",
    "nation_for",
    "normalise_outward_code",
    "outward_code_area",
    "region_for",
    "town_key",
    "valid_regions_for",
]

DATA_DIR = Path(__file__).parent / "data"

OUTLET_KINDS: tuple[str, ...] = ("newspaper", "radio", "tv", "online")
OUTLET_COLUMNS: tuple[str, ...] = (
    "name",
    "kind",
    "areas",
    "nation",
    "region",
    "newsdesk_email",
    "phone",
    "notes",
    "active",
)

# The shapes of an ``areas`` entry that names postcodes: an area (``LS``) or a district
# (``LS6``, ``EC1A``), written exactly, in capitals and without spaces.
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
_AREA = re.compile(r"^[A-Z]{1,2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


@dataclass(frozen=True)
class OutletRecord:
    name: str
    kind: str
    areas: tuple[str, ...]
    nation: str
    region: str
    newsdesk_email: str = ""
    phone: str = ""
    notes: str = ""
    active: bool = True


# --- outlets ----------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def classify_coverage(entry: str) -> str | None:
    """What an ``areas`` entry is: "uk", "nation", "area", "district", "town", or None if unknown."""
    if entry == UK:
        return "uk"
    if entry in UK_NATIONS:
        return "nation"
    if _AREA.match(entry):
        return "area" if entry in load_postcode_areas() else None
    if _DISTRICT.match(entry):
        return "district" if outward_code_area(entry) else None
    return "town" if is_known_town(entry) else None


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _parse_row(row: dict[str, str | None]) -> tuple[OutletRecord | None, list[str]]:
    """One CSV row to a record, or the reasons it is wrong as (column: reason) strings."""
    errors: list[str] = []
    name = _clean(row.get("name"))
    if not name:
        errors.append("name: empty")
    kind = _clean(row.get("kind")).lower()
    if kind not in OUTLET_KINDS:
        errors.append(f"kind: {kind or 'empty'!s} is not one of {', '.join(OUTLET_KINDS)}")
    entries = tuple(e for e in (_clean(part) for part in (row.get("areas") or "").split(";")) if e)
    if not entries:
        errors.append("areas: empty (use UK for a national outlet)")
    unknown = [e for e in entries if classify_coverage(e) is None]
    if unknown:
        errors.append(
            "areas: not a postcode area, district, known town, nation or UK: " + ", ".join(unknown)
        )
    nation = _clean(row.get("nation"))
    region = _clean(row.get("region"))
    if nation not in NATIONS and nation != UK:
        errors.append(f"nation: {nation or 'empty'} is not one of {', '.join(NATIONS + (UK,))}")
    elif region not in valid_regions_for(nation):
        errors.append(f"region: {region or 'empty'} is not a region of {nation}")
    email = _clean(row.get("newsdesk_email"))
    if email and not _EMAIL.match(email):
        errors.append(f"newsdesk_email: {email} is not an email address")
    phone = _clean(row.get("phone"))
    if phone and not _PHONE.match(phone):
        errors.append(f"phone: {phone} is not a phone number")
    active_text = _clean(row.get("active")).lower() or "true"
    if active_text not in _TRUE | _FALSE:
        errors.append(f"active: {active_text} is not true or false")
    if errors:
        return None, errors
    record = OutletRecord(
        name=name,
        kind=kind,
        areas=entries,
        nation=nation,
        region=region,
        newsdesk_email=email,
        phone=phone,
        notes=_clean(row.get("notes")),
        active=active_text in _TRUE,
    )
    return record, []


def parse_outlets_csv(text: str) -> tuple[list[OutletRecord], list[str]]:
    """Read outlets from CSV text with ``OUTLET_COLUMNS``, all or nothing.

    Returns ``(records, [])`` when every row is good, or ``([], errors)`` listing every bad
    row as ``"row N: column: reason"``. Row numbers are as a spreadsheet shows them: the
    header is row 1. Empty lines are skipped.
    """
    text = text.lstrip("\ufeff")  # Excel writes a byte-order mark
    reader = csv.DictReader(io.StringIO(text))
    header = [_clean(h) for h in (reader.fieldnames or [])]
    missing = [c for c in OUTLET_COLUMNS if c not in header]
    extra = [h for h in header if h not in OUTLET_COLUMNS]
    if missing or extra:
        problems = []
        if missing:
            problems.append(f"row 1: header: missing column {', '.join(missing)}")
        if extra:
            problems.append(f"row 1: header: unknown column {', '.join(extra)}")
        return [], problems
    reader.fieldnames = header
    records: list[OutletRecord] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for row in reader:
        row_number = reader.line_num
        if None in row:
            errors.append(f"row {row_number}: row: more values than columns")
            continue
        if not any(_clean(v) for v in row.values()):
            continue
        record, problems = _parse_row(row)
        errors.extend(f"row {row_number}: {problem}" for problem in problems)
        if record is None:
            continue
        key = record.name.casefold()
        if key in seen:
            errors.append(f"row {row_number}: name: {record.name} is already on row {seen[key]}")
            continue
        seen[key] = row_number
        records.append(record)
    if errors:
        return [], errors
    return records, []


def outlets_to_csv(records: list[OutletRecord]) -> str:
    """The CSV ``parse_outlets_csv`` reads, with ``OUTLET_COLUMNS`` in order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(OUTLET_COLUMNS)
    for r in records:
        writer.writerow(
            [
                r.name,
                r.kind,
                ";".join(r.areas),
                r.nation,
                r.region,
                r.newsdesk_email,
                r.phone,
                r.notes,
                "true" if r.active else "false",
            ]
        )
    return buffer.getvalue()


@lru_cache(maxsize=1)
def _starter_outlets() -> tuple[OutletRecord, ...]:
    text = (DATA_DIR / "outlets.csv").read_text(encoding="utf-8")
    records, errors = parse_outlets_csv(text)
    if errors:
        raise ValueError("outlets.csv: " + "; ".join(errors))
    return tuple(records)


def load_starter_outlets() -> list[OutletRecord]:
    """The starter directory from ``outlets.csv``, validated once (ValueError naming bad rows)."""
    return list(_starter_outlets())
