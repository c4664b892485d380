"""The outlet directory in the database: search, add, edit, import and export (validated as a whole)."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pitch.directory import OUTLET_COLUMNS, OutletRecord, load_starter_outlets, outlets_to_csv, parse_outlets_csv
from pitch.models import Outlet


class OutletError(ValueError):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in errors))
        self.errors = errors


def search(session: Session, q: str, limit: int = 500) -> list[Outlet]:
    query = select(Outlet).order_by(Outlet.active.desc(), Outlet.name)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Outlet.name.ilike(like), Outlet.region.ilike(like), Outlet.nation.ilike(like)))
    return list(session.scalars(query.limit(limit)))


def record_of(outlet) -> OutletRecord:
    """An outlet (a model object or a row with the same columns) as the matcher and CSV export read it."""
    return OutletRecord(outlet.name, outlet.kind, tuple(outlet.areas or ()), outlet.nation, outlet.region,
                        outlet.newsdesk_email or "", outlet.phone or "", outlet.notes or "", outlet.active)


def _record_values(record: OutletRecord) -> dict:
    return {
        "name": record.name, "kind": record.kind, "areas": list(record.areas), "nation": record.nation,
        "region": record.region, "newsdesk_email": record.newsdesk_email, "phone": record.phone,
        "notes": record.notes, "active": record.active,
    }


def _csv_line(values: list[str]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(OUTLET_COLUMNS)
    writer.writerow(values)
    return out.getvalue()


def save(session: Session, outlet: Outlet | None, data: dict) -> Outlet:
    """Check a form's outlet with the same rules as the CSV import, then save it."""
    areas = [a.strip() for a in (data.get("areas") or "").replace(",", ";").split(";") if a.strip()]
    row = [data.get("name") or "", data.get("kind") or "", ";".join(areas), data.get("nation") or "",
           data.get("region") or "", data.get("newsdesk_email") or "", data.get("phone") or "", data.get("notes") or "",
           "true" if data.get("active") else "false"]
    records, errors = parse_outlets_csv(_csv_line(row))
    if errors:
        raise OutletError([(_field(e), e.split(": ", 2)[-1]) for e in errors])
    record = records[0]
    clash = session.scalars(select(Outlet).where(func.lower(Outlet.name) == record.name.lower())).first()
    if clash is not None and clash is not outlet:
        raise OutletError([("name", "There is already an outlet with that name")])
    outlet = outlet or Outlet()
    for key, value in _record_values(record).items():
        setattr(outlet, key, value)
    session.add(outlet)
    return outlet


def _field(error: str) -> str:
    parts = error.split(": ")
    return parts[1] if len(parts) >= 3 else "name"


def import_csv(session: Session, text: str) -> tuple[int, list[str]]:
    """Every row checked first; one bad row and nothing is imported. Existing names are updated."""
    records, errors = parse_outlets_csv(text)
    if errors:
        return 0, errors
    existing = {o.name.lower(): o for o in session.scalars(select(Outlet))}
    for record in records:
        outlet = existing.get(record.name.lower()) or Outlet()
        for key, value in _record_values(record).items():
            setattr(outlet, key, value)
        session.add(outlet)
    return len(records), []


def export_csv(session: Session) -> str:
    outlets = session.scalars(select(Outlet).order_by(Outlet.name)).all()
    return outlets_to_csv([record_of(o) for o in outlets])


def load_starter(session: Session) -> int:
    """Load the shipped directory into an empty table; returns how many were added."""
    if session.scalar(select(func.count()).select_from(Outlet)):
        return 0
    records = load_starter_outlets()
    for record in records:
        session.add(Outlet(**_record_values(record)))
    return len(records)
