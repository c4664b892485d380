"""The outlet directory on the web: add, edit and retire (with the CSV import's rules), import a
CSV as a whole, export it, and matching on the story page."""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from core.db import db_session
from pitch.directory import OUTLET_COLUMNS, parse_outlets_csv
from pitch.models import Outlet
from tests.conftest import csrf_from

GOOD = {
    "name": "Headingley Herald", "kind": "newspaper", "areas": "LS6; LS16", "nation": "England",
    "region": "Yorkshire and the Humber", "newsdesk_email": "news@herald.example", "phone": "0113 496 0000",
    "notes": "Weekly, out on Thursdays", "active": "y",
}


def outlet_named(name: str) -> Outlet | None:
    session = db_session()
    session.expire_all()
    return session.scalars(select(Outlet).where(Outlet.name == name)).first()


def count() -> int:
    return db_session().scalar(select(func.count()).select_from(Outlet))


def save_outlet(client, path: str = "/pitch/outlets/new", **fields):
    html = client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), **GOOD, **fields}
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


def errors_on(html: str) -> list[tuple[str, str]]:
    summary = html.split('id="error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


def import_file(client, data: bytes, filename: str = "outlets.csv"):
    html = client.get("/pitch/outlets").get_data(as_text=True)
    return client.post("/pitch/outlets/import", data={"csrf_token": csrf_from(html), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


# --- add, edit, retire --------------------------------------------------------------------

def test_a_press_officer_adds_an_outlet_and_it_is_matched(press, approved_story, pitching):
    response = save_outlet(press)
    assert response.status_code == 302 and response.headers["Location"].endswith("/pitch/outlets")
    outlet = outlet_named("Headingley Herald")
    assert outlet.areas == ["LS6", "LS16"] and outlet.active and outlet.kind == "newspaper"
    assert outlet.newsdesk_email == "news@herald.example" and outlet.notes == "Weekly, out on Thursdays"
    listing = press.get("/pitch/outlets").get_data(as_text=True)
    assert "Headingley Herald" in listing and "news@herald.example" in listing

    story, _ = approved_story()
    page = pitching.story_page(press, story)
    matched = page.split('id="matched-outlets"', 1)[1].split("</table>", 1)[0]
    assert "Headingley Herald" in matched and "LS6" in matched


def test_the_edit_form_uses_the_same_rules_as_the_csv_import(press):
    assert save_outlet(press).status_code == 302
    outlet = outlet_named("Headingley Herald")
    path = f"/pitch/outlets/{outlet.public_id}/edit"
    page = press.get(path).get_data(as_text=True)
    assert 'value="LS6; LS16"' in page and "Weekly, out on Thursdays" in page

    bad = {"areas": "LS6; Narnia", "nation": "Scotland", "phone": "call us"}
    response = save_outlet(press, path, **bad)
    assert response.status_code == 400
    shown = errors_on(response.get_data(as_text=True))
    # Exactly what the CSV import says about the same row, field by field.
    row = {**GOOD, **bad, "active": "true"}
    _, csv_errors = parse_outlets_csv(",".join(OUTLET_COLUMNS) + "\n" + ",".join(f'"{row[c]}"' for c in OUTLET_COLUMNS) + "\n")
    expected = [tuple(e.split(": ", 2)[1:]) for e in csv_errors]
    assert len(expected) == 3
    assert [(field, message.replace("&#39;", "'")) for field, message in shown] == expected
    assert outlet_named("Headingley Herald").areas == ["LS6", "LS16"]  # nothing changed

    # The form's own checks too: a name is needed, and the kind must be one we know.
    response = save_outlet(press, path, name="", kind="blog")
    assert response.status_code == 400
    assert {field for field, _ in errors_on(response.get_data(as_text=True))} >= {"name", "kind"}

    response = save_outlet(press, path, region="Wales")
    assert response.status_code == 400
    assert ("region", "Wales is not a region of England") in errors_on(response.get_data(as_text=True))

    assert save_outlet(press, path, name="Headingley & Kirkstall Herald", areas="LS6, LS5").status_code == 302
    assert outlet_named("Headingley & Kirkstall Herald").areas == ["LS6", "LS5"]
    assert outlet_named("Headingley Herald") is None


def test_two_outlets_cannot_share_a_name(press, outlets):
    response = save_outlet(press, name="bbc radio leeds")
    assert response.status_code == 400
    assert ("name", "There is already an outlet with that name") in errors_on(response.get_data(as_text=True))


def test_a_retired_outlet_stays_listed_but_is_not_matched(press, outlets, approved_story, pitching):
    story, _ = approved_story()
    assert "LeedsLive" in pitching.story_page(press, story).split('id="matched-outlets"', 1)[1]
    outlet = outlet_named("LeedsLive")
    response = save_outlet(press, f"/pitch/outlets/{outlet.public_id}/edit", name="LeedsLive", kind="online", areas="LS",
                           newsdesk_email="", phone="", notes="", active=None)
    assert response.status_code == 302
    assert outlet_named("LeedsLive").active is False
    listing = press.get("/pitch/outlets?q=LeedsLive").get_data(as_text=True)
    assert re.search(r"LeedsLive</a></td>.*?<td>Retired</td>", listing, re.S)
    assert "LeedsLive" not in pitching.story_page(press, story).split('id="matched-outlets"', 1)[1]
    pack = pitching.build(press, story)
    assert "LeedsLive" not in pitching.open_zip(pack).read("outlets.csv").decode("utf-8")


def test_an_unknown_outlet_is_not_found(press):
    assert press.get("/pitch/outlets/00000000-0000-0000-0000-000000000000/edit").status_code == 404


# --- import and export --------------------------------------------------------------------

HEADER = ",".join(OUTLET_COLUMNS)


def test_a_good_csv_imports_every_row_and_updates_known_names(press, outlets):
    before = count()
    data = "\n".join([
        HEADER,
        "Headingley Herald,newspaper,LS6;LS16,England,Yorkshire and the Humber,news@herald.example,,,true",
        "BBC Radio Leeds,radio,LS;BD,England,Yorkshire and the Humber,radio.leeds@bbc.example,,Updated,true",
    ]).encode("utf-8-sig")  # with the byte-order mark Excel writes
    response = import_file(press, data)
    assert response.status_code == 302
    assert "Imported 2 outlets." in press.get("/pitch/outlets").get_data(as_text=True)
    assert count() == before + 1
    assert outlet_named("BBC Radio Leeds").newsdesk_email == "radio.leeds@bbc.example"
    assert outlet_named("BBC Radio Leeds").areas == ["LS", "BD"]


def test_a_csv_with_bad_rows_is_reported_in_full_and_nothing_is_imported(press, outlets):
    before = count()
    data = "\n".join([
        HEADER,
        "Headingley Herald,newspaper,LS6,England,Yorkshire and the Humber,,,,true",  # good, but not imported
        "Nowhere News,blog,Narnia,England,Yorkshire and the Humber,,,,true",
        "BBC Radio Leeds,radio,LS,England,Yorkshire and the Humber,not-an-email,,,maybe",  # an update, not applied
        ",newspaper,LS,England,Yorkshire and the Humber,,,,true",
    ]).encode("utf-8")
    response = import_file(press, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    reported = re.findall(r"<li>(row \d+: [^<]+)</li>", html)
    assert [r.split(":")[0] for r in reported] == ["row 3", "row 3", "row 4", "row 4", "row 5"]
    assert "row 3: kind: blog is not one of" in html and "Narnia" in html
    assert "row 4: newsdesk_email: not-an-email is not an email address" in html
    assert "row 4: active: maybe is not true or false" in html and "row 5: name: empty" in html
    assert count() == before
    assert outlet_named("Headingley Herald") is None
    assert outlet_named("BBC Radio Leeds").newsdesk_email == ""


def test_an_import_needs_a_utf8_csv_file(press, outlets):
    before = count()
    response = import_file(press, (HEADER + "\nCafé FM,radio,LS,England,Yorkshire and the Humber,,,,true\n").encode("latin-1"))
    assert response.status_code == 400 and "is not UTF-8 text" in response.get_data(as_text=True)
    html = press.get("/pitch/outlets").get_data(as_text=True)
    response = press.post("/pitch/outlets/import", data={"csrf_token": csrf_from(html)}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a CSV file to import" in response.get_data(as_text=True)
    response = import_file(press, b"name,kind\nX,radio\n")
    assert response.status_code == 400 and "missing column" in response.get_data(as_text=True)
    assert count() == before


def test_the_export_is_the_whole_directory_and_imports_back_unchanged(press, outlets):
    response = press.get("/pitch/outlets.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(OUTLET_COLUMNS)
    assert len(rows) == count() == outlets
    leeds = next(r for r in rows if r["name"] == "BBC Radio Leeds")
    assert leeds["areas"] == "LS;BD;HD;HX;WF" and leeds["active"] == "true"

    before = {o.name: (o.kind, o.areas, o.region, o.active) for o in db_session().scalars(select(Outlet))}
    assert import_file(press, text.encode("utf-8")).status_code == 302
    after = {o.name: (o.kind, o.areas, o.region, o.active) for o in db_session().scalars(select(Outlet))}
    assert after == before


# --- matching on the story page ---------------------------------------------------------

def test_a_leeds_story_lists_leeds_outlets_first_each_with_its_reason(press, outlets, approved_story, pitching):
    story, _ = approved_story(town="Leeds", postcode_outward="LS6")
    table = pitching.story_page(press, story).split('id="matched-outlets"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", table)
    assert len(rows) >= 10
    names = [name.replace("&amp;", "&") for name, _, _ in rows]
    reasons = [reason for _, _, reason in rows]
    assert all(reasons)
    leeds = {"LeedsLive", "Yorkshire Evening Post", "BBC Radio Leeds"}
    assert set(names[:3]) == leeds
    assert all(reason == "Covers the LS (Leeds) postcode area" for reason in reasons[:3])
    first_regional = reasons.index("Same region: Yorkshire and the Humber")
    assert max(names.index(n) for n in leeds) < first_regional
    assert "Manchester Evening News" not in names
