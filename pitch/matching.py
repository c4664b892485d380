"""Which outlets to pitch a story to, most local first, each with a reason a person can check.

Levels, most local first:

``district``  the outlet lists the storyteller's postcode district (LS6)
``area``      the outlet lists the storyteller's postcode area (LS)
``town``      the outlet lists the storyteller's town by name, or, when there is no postcode,
              the postcode area the town is in (exact for an area's main town, else the
              nearest area: see ``core.places``)
``region``    the outlet is based in the storyteller's English region
``nation``    the outlet covers the storyteller's whole nation, or (in Scotland, Wales,
              Northern Ireland and the Crown Dependencies, which have no English-style
              regions) is based elsewhere in it
``national``  the outlet covers the whole UK

Within a level, outlets that cover the storyteller come before outlets merely nearby (an
outlet covering other districts of the storyteller's postcode area is ``area`` level, after
those covering the whole area); then the nearer the outlet's home (its first ``areas`` entry,
measured to that postcode area's main town) to the storyteller's town, the earlier; then the
smaller the outlet's patch. Inactive outlets, and outlets with no connection at all, are left out.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from core.places import (
    UK,
    area_label,
    distance_km,
    district_of,
    find_town,
    load_postcode_areas,
    normalise_outward_code,
    outward_code_area,
    town_key,
)
from pitch.directory import OutletRecord, classify_coverage

LEVELS: tuple[str, ...] = ("district", "area", "town", "region", "nation", "national")


@dataclass(frozen=True)
class Match:
    outlet: OutletRecord
    level: str
    reason: str
    distance_km: float | None = None


@dataclass(frozen=True)
class _Place:
    """Where the storyteller is, as far as we know."""

    town: str | None
    town_key: str
    outward: str | None
    district: str | None
    area: str | None
    area_from_town: bool
    area_is_town: bool
    region: str | None
    nation: str | None
    coordinates: tuple[float, float] | None


def _place(town: str | None, outward_code: str | None) -> _Place:
    town = " ".join((town or "").split()) or None
    outward = normalise_outward_code(outward_code) if outward_code else None
    area = outward_code_area(outward) if outward else None
    if area is None:
        outward = None
    found = find_town(town, area) if town else None
    area_from_town = area is None and found is not None and found.area is not None
    if area_from_town:
        assert found is not None
        area = found.area
    areas = load_postcode_areas()
    area_is_town = bool(
        area_from_town
        and found is not None
        and town_key(areas[found.area or ""].main_town) in (town_key(town or ""), town_key(found.name))
    )
    if found is not None:
        coordinates: tuple[float, float] | None = (found.latitude, found.longitude)
    elif area is not None:
        coordinates = (areas[area].latitude, areas[area].longitude)
    else:
        coordinates = None
    nation = areas[area].nation if area else (found.nation if found else None)
    return _Place(
        town=town,
        town_key=town_key(town) if town else "",
        outward=outward,
        district=district_of(outward) if outward else None,
        area=area,
        area_from_town=area_from_town,
        area_is_town=area_is_town,
        region=areas[area].region if area else None,
        nation=nation,
        coordinates=coordinates,
    )


@lru_cache(maxsize=4096)
def _home_coordinates(entry: str) -> tuple[float, float] | None:
    """Where an outlet's home entry is: its area's main town, a town, or nowhere in particular."""
    kind = classify_coverage(entry)
    if kind in ("area", "district"):
        area = load_postcode_areas()[outward_code_area(entry) or entry]
        town = find_town(area.main_town)
        if town is not None and town.area == area.area:
            return (town.latitude, town.longitude)
        return (area.latitude, area.longitude)
    if kind == "town":
        town = find_town(entry)
        return (town.latitude, town.longitude) if town else None
    return None


def _entry_match(entry: str, place: _Place) -> tuple[str, int, str] | None:
    """(level, order within level, reason) for one ``areas`` entry, or None."""
    kind = classify_coverage(entry)
    if kind == "uk":
        return ("national", 0, "National outlet")
    if kind == "nation":
        return ("nation", 0, f"Covers {entry}") if entry == place.nation else None
    if kind == "district":
        if place.outward and entry in (place.outward, place.district):
            return ("district", 0, f"Covers {entry}, the storyteller's postcode district")
        return None
    if kind == "area":
        if entry != place.area:
            return None
        if not place.area_from_town:
            return ("area", 0, f"Covers the {area_label(entry)} postcode area")
        if place.area_is_town:
            return ("town", 1, f"Covers the {area_label(entry)} postcode area, which includes {place.town}")
        return ("town", 2, f"Covers the {area_label(entry)} postcode area, the nearest to {place.town}")
    if kind == "town":
        if place.town_key and town_key(entry) == place.town_key:
            return ("town", 0, f"Covers {entry}, the storyteller's town")
        town = find_town(entry)
        if town is not None and place.area and town.area == place.area:
            return ("town", 3, f"Covers {entry}, in the storyteller's {area_label(place.area)} postcode area")
        return None
    return None


def _region_match(outlet: OutletRecord, place: _Place) -> tuple[str, int, str] | None:
    if not place.region or outlet.region != place.region or outlet.region == UK:
        return None
    if outlet.nation == "England":
        return ("region", 0, f"Same region: {outlet.region}")
    return ("nation", 1, f"Elsewhere in {outlet.region}")


def _part_of_area_match(outlet: OutletRecord, place: _Place) -> tuple[str, int, str] | None:
    """The outlet covers other districts of the storyteller's postcode area."""
    if not place.area:
        return None
    districts = [
        e for e in outlet.areas if classify_coverage(e) == "district" and outward_code_area(e) == place.area
    ]
    if not districts:
        return None
    reason = f"Covers part of the {area_label(place.area)} postcode area: {', '.join(districts)}"
    return ("town", 4, reason) if place.area_from_town else ("area", 1, reason)


def _match_outlet(outlet: OutletRecord, place: _Place) -> tuple[str, int, str] | None:
    candidates = [m for m in (_entry_match(e, place) for e in outlet.areas) if m is not None]
    part = _part_of_area_match(outlet, place)
    if part is not None:
        candidates.append(part)
    region = _region_match(outlet, place)
    if region is not None:
        candidates.append(region)
    if not candidates:
        return None
    return min(candidates, key=lambda m: (LEVELS.index(m[0]), m[1]))


def rank_outlets(
    outlets: Iterable[OutletRecord], town: str | None, outward_code: str | None
) -> list[Match]:
    """Active outlets with any connection to the storyteller's town or outward code, most local first."""
    place = _place(town, outward_code)
    ranked: list[tuple[tuple[int, int, float, int, str], Match]] = []
    for outlet in outlets:
        if not outlet.active:
            continue
        found = _match_outlet(outlet, place)
        if found is None:
            continue
        level, order, reason = found
        home = _home_coordinates(outlet.areas[0]) if outlet.areas else None
        distance = (
            distance_km(*place.coordinates, *home) if place.coordinates is not None and home is not None else None
        )
        # Equal distances (outlets with the same home) go to the one with the smaller patch.
        key = (
            LEVELS.index(level),
            order,
            math.inf if distance is None else distance,
            len(outlet.areas),
            outlet.name.casefold(),
        )
        ranked.append((key, Match(outlet, level, reason, None if distance is None else round(distance, 1))))
    ranked.sort(key=lambda pair: pair[0])
    return [match for _, match in ranked]

