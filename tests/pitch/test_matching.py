"""Ranking outlets for a storyteller: most local first, with reasons a press officer can check."""
from __future__ import annotations

from pitch.directory import OutletRecord, load_starter_outlets
from pitch.matching import LEVELS, rank_outlets


def outlet(name: str, areas: str, nation: str = "England", region: str = "Yorkshire and the Humber",
           kind: str = "newspaper", active: bool = True) -> OutletRecord:  # fmt: skip
    return OutletRecord(name, kind, tuple(areas.split(";")), nation, region, active=active)


def names(matches) -> list[str]:
    return [m.outlet.name for m in matches]


def levels_never_go_back(matches) -> bool:
    order = [LEVELS.index(m.level) for m in matches]
    return order == sorted(order)


def test_leeds_outlets_come_before_yorkshire_ones_before_national_ones():
    matches = rank_outlets(load_starter_outlets(), "Leeds", "LS6")
    ranked = names(matches)
    by_name = {m.outlet.name: m for m in matches}

    assert levels_never_go_back(matches)
    for local in ("Yorkshire Evening Post", "BBC Radio Leeds", "LeedsLive"):
        assert by_name[local].level == "area"
        assert by_name[local].reason == "Covers the LS (Leeds) postcode area"
    for regional in ("BBC Radio York", "The Press", "The Star"):
        assert by_name[regional].level == "region"
        assert by_name[regional].reason == "Same region: Yorkshire and the Humber"
    assert by_name["The Guardian"].level == "national"
    assert by_name["The Guardian"].reason == "National outlet"

    assert ranked.index("Yorkshire Evening Post") < ranked.index("BBC Radio York") < ranked.index("The Guardian")
    assert ranked.index("BBC Radio Leeds") < ranked.index("The Star") < ranked.index("BBC Radio 5 Live")
    # Nothing from elsewhere in England.
    assert "Manchester Evening News" not in ranked
    assert "The Herald (Plymouth)" not in ranked


def test_a_district_outlet_beats_an_area_outlet():
    outlets = [
        outlet("Leeds Daily", "LS"),
        outlet("Headingley Voice", "LS6", kind="online"),
        outlet("East Leeds Weekly", "LS9"),
    ]
    matches = rank_outlets(outlets, "Leeds", "ls6 3ab")
    assert names(matches) == ["Headingley Voice", "Leeds Daily", "East Leeds Weekly"]
    assert matches[0].level == "district"
    assert matches[0].reason == "Covers LS6, the storyteller's postcode district"
    assert matches[2].reason == "Covers part of the LS (Leeds) postcode area: LS9"


def test_inactive_and_unconnected_outlets_are_left_out():
    outlets = [
        outlet("Closed Chronicle", "LS", active=False),
        outlet("Plymouth Paper", "PL", region="South West"),
        outlet("Leeds Daily", "LS"),
    ]
    assert names(rank_outlets(outlets, "Leeds", "LS6")) == ["Leeds Daily"]


def test_ties_are_broken_by_distance_from_the_storyteller():
    outlets = [
        outlet("Aardvark Hull Paper", "HU"),
        outlet("Zebra Wakefield Paper", "WF"),
    ]
    matches = rank_outlets(outlets, "Leeds", "LS6")
    assert [m.level for m in matches] == ["region", "region"]
    assert names(matches) == ["Zebra Wakefield Paper", "Aardvark Hull Paper"]
    assert matches[0].distance_km < matches[1].distance_km


def test_a_town_without_a_postcode_still_matches_by_town_and_region():
    matches = rank_outlets(load_starter_outlets(), "Harrogate", None)
    by_name = {m.outlet.name: m for m in matches}
    assert levels_never_go_back(matches)
    assert matches[0].outlet.name == "The Stray Ferret"
    assert matches[0].level == "town"
    assert matches[0].reason == "Covers Harrogate, the storyteller's town"
    assert by_name["Harrogate Advertiser"].level == "town"
    assert by_name["Harrogate Advertiser"].reason == (
        "Covers the HG (Harrogate) postcode area, which includes Harrogate"
    )
    assert by_name["BBC Radio Leeds"].level == "region"
    assert by_name["BBC Radio 5 Live"].level == "national"


def test_a_small_town_named_by_an_outlet_is_matched_by_name():
    matches = rank_outlets(load_starter_outlets(), "Otley", None)
    assert matches[0].outlet.name == "Wharfedale Observer"
    assert matches[0].reason == "Covers Otley, the storyteller's town"


def test_scotland_whole_nation_outlets_come_after_local_ones():
    matches = rank_outlets(load_starter_outlets(), "Glasgow", "G12")
    by_name = {m.outlet.name: m for m in matches}
    ranked = names(matches)
    assert levels_never_go_back(matches)
    assert by_name["Glasgow Times"].level == "area"
    assert by_name["BBC Radio Scotland"].level == "nation"
    assert by_name["BBC Radio Scotland"].reason == "Covers Scotland"
    assert by_name["The Press and Journal"].reason == "Elsewhere in Scotland"
    assert ranked.index("BBC Radio Scotland") < ranked.index("The Press and Journal")
    assert "BBC Radio Wales" not in ranked


def test_derry_gets_radio_foyle_first():
    matches = rank_outlets(load_starter_outlets(), "Derry", "BT48")
    assert {m.outlet.name for m in matches[:2]} == {"BBC Radio Foyle", "Derry Journal"}
    assert all(m.level == "district" for m in matches[:2])


def test_with_nothing_to_go_on_only_national_outlets_match():
    for town, code in ((None, None), ("Nowhere-in-particular-upon-Sea", None), (None, "not a postcode")):
        matches = rank_outlets(load_starter_outlets(), town, code)
        assert matches
        assert {m.level for m in matches} == {"national"}


def test_a_shared_town_name_is_placed_by_the_postcode():
    """Newport on the Isle of Wight is not Newport in Wales: distances follow the postcode."""
    outlets = [
        outlet("Island Paper", "PO30", region="South East"),
        outlet("Welsh Paper", "NP", nation="Wales", region="Wales"),
    ]
    matches = rank_outlets(outlets, "Newport", "PO30")
    assert names(matches) == ["Island Paper"]
    assert matches[0].level == "district"
    assert matches[0].distance_km < 50
