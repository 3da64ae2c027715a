"""Reads: the query endpoint, change data capture and the ProfitAndLoss report, over one company."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from . import _errors as err
from . import _query as q
from ._schema import ENTITY_NAMES, PROPERTIES
from ._store import CDC_ENTITIES, ENTITIES, Realm, Record

CDC_DAYS = 30
CDC_CAP = 1000


def entity_name(name: str) -> str | None:
    """Intuit's spelling of an entity name given in any case, or None."""
    return ENTITY_NAMES.get(name.lower())


def _check_property(entity: str, prop: str) -> None:
    head = prop.split(".")[0].lower()
    if head not in {p.lower() for p in PROPERTIES.get(entity, frozenset())}:
        raise q.validation_error(f"property '{prop}' is not queryable for Entity {entity}: it does not exist")


def run_query(realm: Realm, text: str) -> dict[str, Any]:
    """The ``QueryResponse`` of one statement (QueryError for a bad one)."""
    query = q.parse(text)
    entity = entity_name(query.entity)
    if entity is None:
        raise q.validation_error(f"Entity {query.entity} is not a QuickBooks entity")
    for prop in [c.prop for c in query.where] + [p for p, _ in query.order] + list(query.props) + list(query.extra):
        _check_property(entity, prop)
    records: list[Record] = list(realm.records[entity].values()) if entity in ENTITIES else []
    where = query.where
    # Name lists answer active records only unless the query says otherwise (as QuickBooks does).
    if "Active" in PROPERTIES.get(entity, frozenset()) and not any(c.prop.lower() == "active" for c in where):
        where = (*where, q.Condition("Active", "=", (True,)))
    rows = q.select(q.Query(entity=entity, where=where, order=query.order), records, realm.zone)
    if query.count:
        return {"totalCount": len(rows)}
    page = q.page(query, rows)
    if not page:
        return {}
    out = [q.project(r, query.props) for r in page] if query.props else page
    return {entity: out, "startPosition": query.start, "maxResults": len(out), "totalCount": len(out)}


def parse_since(text: str, realm: Realm, now: datetime) -> datetime:
    """changedSince as an instant, no earlier than the 30-day horizon: QuickBooks accepts an older one (ETL
    taps send their start date) and answers what it still tracks, the last 30 days."""
    moment = q.parse_instant(text, realm.zone)
    if moment is None:
        raise err.invalid("changedSince", f"must be a date-time like 2025-01-31T10:00:00-08:00, not {text!r}")
    return max(moment, now - timedelta(days=CDC_DAYS))


def cdc(realm: Realm, entities_param: str, since_param: str, now: datetime) -> list[dict[str, Any]]:
    """The ``CDCResponse`` list: one QueryResponse per entity asked for, changes since, at most 1,000 in all
    (the oldest first, so a client can continue from the newest it got)."""
    if not entities_param.strip():
        raise err.required("entities", "Send entities=Invoice,Customer,...")
    if not since_param.strip():
        raise err.required("changedSince", "Send changedSince=<date-time within the last 30 days>.")
    since = parse_since(since_param, realm, now)
    asked: list[str] = []
    for raw in entities_param.split(","):
        name = entity_name(raw.strip())
        if name is None:
            raise err.invalid("entities", f"{raw.strip()!r} is not a QuickBooks entity")
        if name not in CDC_ENTITIES and name in ENTITIES:
            raise err.unsupported(f"CDC for {name} (Intuit does not track {name} changes)")
        if name not in asked:
            asked.append(name)
    changes: list[tuple[datetime, str, str, Record]] = []
    for entity in asked:
        if entity not in ENTITIES:
            continue
        for record in [*realm.records[entity].values(), *realm.deleted.get(entity, [])]:
            stamp = q.parse_instant(str(record.get("MetaData", {}).get("LastUpdatedTime", "")), realm.zone)
            if stamp is not None and stamp >= since:
                changes.append((stamp, entity, str(record.get("Id")), record))
    changes.sort(key=lambda c: (c[0], c[1], q.id_key(c[3])))
    kept = changes[:CDC_CAP]
    responses: list[dict[str, Any]] = []
    for entity in asked:
        rows = [record for _, name, _, record in kept if name == entity]
        if rows:
            responses.append({entity: rows, "startPosition": 1, "maxResults": len(rows), "totalCount": len(rows)})
        else:
            responses.append({})
    return [{"QueryResponse": responses}]


def profit_and_loss(realm: Realm, params: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """A small ProfitAndLoss: income (invoices) and expenses (bills, purchases) net of tax, by day or in total
    (``summarize_column_by=Days`` or ``Total``), between ``start_date`` and ``end_date``."""
    end = _day(params.get("end_date"), realm.today(now), "end_date")
    start = _day(params.get("start_date"), end[:8] + "01", "start_date")
    by_day = params.get("summarize_column_by", "Total") == "Days"
    days: list[str] = []
    if by_day:
        cursor = datetime.fromisoformat(start)
        while cursor.date().isoformat() <= end:
            days.append(cursor.date().isoformat())
            cursor += timedelta(days=1)
    buckets = days or ["total"]

    def net(entity: str) -> dict[str, Decimal]:
        sums = {b: Decimal("0.00") for b in buckets}
        for record in realm.records[entity].values():
            day = str(record.get("TxnDate", ""))
            if not start <= day <= end:
                continue
            amount = sum(
                (Decimal(str(line["Amount"])) for line in record.get("Line", [])
                 if line.get("DetailType") not in ("SubTotalLineDetail", "DescriptionOnly")),
                Decimal("0.00"),
            )  # fmt: skip
            sums[day if by_day else "total"] += amount
        return sums

    income = net("Invoice")
    bills, purchases = net("Bill"), net("Purchase")
    expenses = {b: bills[b] + purchases[b] for b in buckets}

    def row(name: str, values: dict[str, Decimal]) -> dict[str, Any]:
        cells = [{"value": name}] + [{"value": f"{values[b]:.2f}"} for b in buckets]
        if by_day:
            cells.append({"value": f"{sum(values.values(), Decimal('0.00')):.2f}"})
        return {"Summary": {"ColData": cells}, "type": "Section", "group": name.replace(" ", "")}

    columns: list[dict[str, Any]] = [{"ColTitle": "", "ColType": "Account"}]
    for day in days:
        meta = [{"Name": "StartDate", "Value": day}, {"Name": "EndDate", "Value": day}]
        columns.append({"ColTitle": day, "ColType": "Money", "MetaData": meta})
    columns.append({"ColTitle": "Total", "ColType": "Money"})
    net_income = {b: income[b] - expenses[b] for b in buckets}
    return {
        "Header": {
            "Time": realm.stamp(now),
            "ReportName": "ProfitAndLoss",
            "ReportBasis": "Accrual",
            "StartPeriod": start,
            "EndPeriod": end,
            "SummarizeColumnsBy": "Days" if by_day else "Total",
            "Currency": realm.currency,
        },
        "Columns": {"Column": columns},
        "Rows": {
            "Row": [
                row("Total Income", income),
                row("Gross Profit", income),
                row("Total Expenses", expenses),
                row("Net Income", net_income),
            ]
        },
    }


def _day(value: str | None, default: str, element: str) -> str:
    if not value:
        return default
    try:
        return datetime.fromisoformat(value[:10]).date().isoformat()
    except ValueError:
        raise err.invalid(element, f"must be a date like 2025-01-31, not {value!r}") from None
