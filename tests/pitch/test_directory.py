"""The starter outlet directory and the CSV import of outlets (geography: tests/core/test_places.py)."""
from __future__ import annotations

from collections import Counter

import core.places
from pitch import directory
from pitch.directory import (
    OUTLET_COLUMNS,
    OUTLET_KINDS,
    UK_NATIONS,
    OutletRecord,
    area_for_town,
    classify_coverage,
    load_postcode_areas,
    load_starter_outlets,
    outlets_to_csv,
    outward_code_area,
    parse_outlets_csv,
)

HEADER = ",".join(OUTLET_COLUMNS)


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


def test_directory_re_exports_the_geography_from_core_places():
    for name in (
        "PostcodeArea", "Town", "ENGLISH_REGIONS", "UK_NATIONS", "CROWN_DEPENDENCIES", "NATIONS", "UK",
        "valid_regions_for", "load_postcode_areas", "normalise_outward_code", "outward_code_area",
        "district_of", "area_label", "town_key", "find_town", "is_known_town", "area_for_town",
        "nation_for", "region_for", "distance_km", "load_town_aliases",
    ):  # fmt: skip
        assert getattr(directory, name) is getattr(core.places, name), name
        assert name in directory.__all__, name


def test_classify_coverage():
    assert classify_coverage("UK") == "uk"
    assert classify_coverage("Scotland") == "nation"
    assert classify_coverage("LS") == "area"
    assert classify_coverage("QQ") is None
    assert classify_coverage("LS6") == "district"
    assert classify_coverage("XX1") is None
    assert classify_coverage("Harrogate") == "town"
    assert classify_coverage("Atlantis") is None
