"""The postcode areas and the starter outlet directory, and the CSV import of outlets."""
from __future__ import annotations

from collections import Counter

import pytest
from countrystatecity_postal_codes import get_postcodes_of_country

from pitch import directory
from pitch.directory import (
    CROWN_DEPENDENCIES,
    ENGLISH_REGIONS,
    NATIONS,
    OUTLET_COLUMNS,
    OUTLET_KINDS,
    UK_NATIONS,
    OutletRecord,
    area_for_town,
    classify_coverage,
    find_town,
    load_postcode_areas,
    load_starter_outlets,
    load_town_aliases,
    nation_for,
    normalise_outward_code,
    outlets_to_csv,
    outward_code_area,
    parse_outlets_csv,
    region_for,
)

HEADER = ",".join(OUTLET_COLUMNS)


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
    monkeypatch.setattr(directory, "DATA_DIR", tmp_path)
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


# --- outlets.csv ---------------------------------------------------------------------------


def test_starter_outlets_load_and_are_all_valid():
    outlets = load_starter_outlets()
    assert len(outlets) >= 300
    names = [o.name.casefold() for o in outlets]
    assert len(names) == len(set(names))
    for outlet in outlets:
        assert outlet.kind in OUTLET_KINDS, outlet
        assert outlet.areas, outlet
        for entry in outlet.areas:
            assert classify_coverage(entry) is not None, (outlet.name, entry)
        # Names and coverage only: contacts are added by press officers, never shipped.
        assert outlet.newsdesk_email == "" and outlet.phone == "", outlet.name
        assert outlet.active


def _local_areas(outlet: OutletRecord) -> set[str]:
    covered = set()
    for entry in outlet.areas:
        kind = classify_coverage(entry)
        if kind == "area":
            covered.add(entry)
        elif kind == "district":
            covered.add(outward_code_area(entry))
        elif kind == "town":
            covered.add(area_for_town(entry))
    return covered


def test_every_postcode_area_has_a_local_paper_and_a_radio_station():
    areas = load_postcode_areas()
    papers: set[str] = set()
    radio: set[str] = set()
    anything: set[str] = set()
    for outlet in load_starter_outlets():
        local = _local_areas(outlet)
        anything |= local
        if outlet.kind in ("newspaper", "online"):
            papers |= local
        if outlet.kind == "radio":
            radio |= local
            nations = {e for e in outlet.areas if e in UK_NATIONS}
            radio |= {a.area for a in areas.values() if a.nation in nations}
    assert set(areas) - anything == set()
    assert set(areas) - papers == set()
    assert set(areas) - radio == set()


def test_the_directory_has_the_outlets_a_press_officer_expects():
    by_name = {o.name: o for o in load_starter_outlets()}
    assert by_name["Yorkshire Evening Post"].areas[0] == "LS"
    assert "LS" in by_name["BBC Radio Leeds"].areas
    assert by_name["BBC Radio Scotland"].areas == ("Scotland",)
    assert by_name["BBC Radio Ulster"].areas == ("Northern Ireland",)
    assert "BT48" in by_name["BBC Radio Foyle"].areas
    assert by_name["BBC Radio 5 Live"].areas == ("UK",)
    bbc_local_england = [
        o for o in load_starter_outlets()
        if o.kind == "radio" and o.name.startswith("BBC") and o.nation == "England"
    ]  # fmt: skip
    assert len(bbc_local_england) >= 38
    assert Counter(o.kind for o in load_starter_outlets()).keys() == set(OUTLET_KINDS)


# --- CSV import and export -----------------------------------------------------------------


def test_export_then_import_round_trips():
    outlets = load_starter_outlets()
    records, errors = parse_outlets_csv(outlets_to_csv(outlets))
    assert errors == []
    assert records == outlets


def test_import_accepts_a_good_file_with_a_byte_order_mark():
    text = (
        "\ufeff" + HEADER + "\n"
        "Test Gazette,newspaper,LS;LS6;Harrogate,England,Yorkshire and the Humber,news@example.org,0113 496 0000,,true\n"
        "\n"
        "Test Radio,radio,Scotland,Scotland,Scotland,,,,false\n"
    )
    records, errors = parse_outlets_csv(text)
    assert errors == []
    assert [r.name for r in records] == ["Test Gazette", "Test Radio"]
    assert records[0].areas == ("LS", "LS6", "Harrogate")
    assert records[1].active is False


def test_import_reports_every_bad_row_and_imports_nothing():
    text = (
        HEADER + "\n"
        "Good Gazette,newspaper,LS,England,Yorkshire and the Humber,,,,true\n"  # row 2
        ",magazine,LS,England,Yorkshire and the Humber,,,,true\n"  # row 3
        "Lost Times,newspaper,QQ;Atlantis,England,Yorkshire and the Humber,,,,true\n"  # row 4
        "Wrong Region FM,radio,G,Scotland,London,not-an-email,,,maybe\n"  # row 5
        "Good Gazette,newspaper,LS,England,Yorkshire and the Humber,,,,true\n"  # row 6
    )
    records, errors = parse_outlets_csv(text)
    assert records == []
    assert "row 3: name: empty" in errors
    assert any(e.startswith("row 3: kind: magazine") for e in errors)
    assert any(e.startswith("row 4: areas:") and "QQ" in e and "Atlantis" in e for e in errors)
    assert any(e.startswith("row 5: region: London") for e in errors)
    assert any(e.startswith("row 5: newsdesk_email:") for e in errors)
    assert any(e.startswith("row 5: active:") for e in errors)
    assert any(e.startswith("row 6: name: Good Gazette is already on row 2") for e in errors)
    assert not any(e.startswith("row 2:") for e in errors)


def test_import_rejects_a_file_with_the_wrong_columns():
    records, errors = parse_outlets_csv("name,kind,areas\nX,radio,LS\n")
    assert records == []
    assert errors and errors[0].startswith("row 1: header: missing column")


def test_pitch_building_blocks_import_without_flask_or_sqlalchemy():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, pitch.directory, pitch.matching, pitch.documents; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')))"
    )
    root = Path(directory.__file__).parent.parent
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=root
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
