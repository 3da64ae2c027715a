"""The query language: parsing, hypothesis-generated WHERE clauses against a plain Python filter, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.quickbooks.emulator import QueryError
from connectors.quickbooks.emulator import _query as q

ZONE = timezone(timedelta(hours=-5))
LETTERS = "abcAB'é "
names = st.text(alphabet=LETTERS, min_size=1, max_size=6)
amounts = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(UTC))
records = st.lists(
    st.fixed_dictionaries({"DisplayName": names, "Balance": amounts, "Active": st.booleans(), "updated": moments}),
    max_size=12,
)


def _record(n: int, raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "Id": str(n + 1),
        "DisplayName": raw["DisplayName"],
        "Balance": raw["Balance"],
        "Active": raw["Active"],
        "MetaData": {"LastUpdatedTime": raw["updated"].astimezone(ZONE).isoformat()},
    }


def _quote(text: str) -> str:
    return "'" + text.replace("'", "\\'") + "'"


OPS = ("=", "<", ">", "<=", ">=")
COMPARE = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


@st.composite
def conditions(draw: st.DrawFn) -> tuple[str, Any]:
    """A condition's text and a plain Python predicate saying what it keeps."""
    field = draw(st.sampled_from(["DisplayName", "Balance", "Active", "Metadata.LastUpdatedTime"]))
    if field == "Active":
        value = draw(st.booleans())
        return f"Active = {str(value).lower()}", lambda r: r["Active"] is value
    if field == "Balance":
        if draw(st.booleans()):
            values = draw(st.lists(amounts, min_size=1, max_size=3))
            text = ", ".join(str(v) for v in values)
            return f"Balance IN ({text})", lambda r: r["Balance"] in values
        op, value = draw(st.sampled_from(OPS)), draw(amounts)
        return f"Balance {op} {value}", lambda r: COMPARE[op](r["Balance"], value)
    if field == "DisplayName":
        kind = draw(st.sampled_from(["op", "like", "in"]))
        value = draw(names)
        if kind == "like":
            shape = draw(st.sampled_from(["%{}%", "{}%", "%{}"]))
            needle = value.lower()
            check = {
                "%{}%": lambda r: needle in r["DisplayName"].lower(),
                "{}%": lambda r: r["DisplayName"].lower().startswith(needle),
                "%{}": lambda r: r["DisplayName"].lower().endswith(needle),
            }[shape]
            return f"DisplayName LIKE {_quote(shape.format(value))}", check
        if kind == "in":
            values = [value, *draw(st.lists(names, max_size=2))]
            lowered = {v.lower() for v in values}
            return (
                f"DisplayName in ({', '.join(_quote(v) for v in values)})",
                lambda r: r["DisplayName"].lower() in lowered,
            )
        op = draw(st.sampled_from(OPS))
        return f"DisplayName {op} {_quote(value)}", lambda r: COMPARE[op](r["DisplayName"].lower(), value.lower())
    op, moment = draw(st.sampled_from(OPS)), draw(moments)
    literal = moment.astimezone(ZONE).isoformat() if draw(st.booleans()) else moment.isoformat().replace("+00:00", "Z")
    return f"{field} {op} '{literal}'", lambda r: COMPARE[op](r["updated"], moment)


@settings(max_examples=150, deadline=None)
@given(records, st.lists(conditions(), min_size=1, max_size=3), st.sampled_from(["SELECT", "select", "Select"]))
def test_where_clauses_keep_what_a_plain_filter_keeps(raw: list[dict[str, Any]], conds: list[Any], select: str) -> None:
    statement = f"{select} * FROM Customer WHERE " + " AND ".join(text for text, _ in conds)
    query = q.parse(statement)
    kept = [r["Id"] for r in q.select(query, [_record(n, r) for n, r in enumerate(raw)], ZONE)]
    expected = [str(n + 1) for n, r in enumerate(raw) if all(check(r) for _, check in conds)]
    assert kept == expected, statement


@settings(max_examples=60, deadline=None)
@given(records, st.integers(min_value=1, max_value=15), st.integers(min_value=0, max_value=6))
def test_startposition_and_maxresults_page_through_in_order(raw: list[dict[str, Any]], start: int, size: int) -> None:
    rows = [_record(n, r) for n, r in enumerate(raw)]
    query = q.parse(f"select * from Customer orderby Balance desc, DisplayName startposition {start} maxresults {size}")
    ordered = sorted(rows, key=lambda r: (-r["Balance"], r["DisplayName"].lower(), int(r["Id"])))
    assert [r["Id"] for r in q.page(query, q.select(query, rows, ZONE))] == [
        r["Id"] for r in ordered[start - 1 : start - 1 + size]
    ]


def test_keywords_spellings_and_clauses_clients_send() -> None:
    tap = q.parse(
        "SELECT * FROM Invoice WHERE Metadata.LastUpdatedTime >= '2025-01-01T00:00:00Z' AND Active IN (true, false) "
        "ORDER BY Metadata.LastUpdatedTime ASC STARTPOSITION 1 MAXRESULTS 1000"
    )
    assert tap.order == (("Metadata.LastUpdatedTime", False),)
    assert (tap.start, tap.max_results) == (1, 1000)
    assert q.parse("SELECT COUNT(*) FROM Customer ").count
    assert q.parse("SELECT *, Sku FROM Item").extra == ("Sku",)
    assert q.parse("select Id, DisplayName from Customer").props == ("Id", "DisplayName")
    assert q.parse("select * from Customer where DisplayName = 'O\\'Brien'").where[0].values == ("O'Brien",)
    assert q.parse("select * from Customer").max_results == 100


@pytest.mark.parametrize(
    ("statement", "code"),
    [
        ("select * from", "4000"),
        ("selec * from Customer", "4000"),
        ("select * from Customer where DisplayName = 'a' or Active = true", "4000"),
        ("select * from Customer where", "4000"),
        ("select * from Customer maxresults 1001", "4001"),
        ("", "4000"),
    ],
)
def test_malformed_statements_are_query_parser_errors(statement: str, code: str) -> None:
    with pytest.raises(QueryError) as caught:
        q.parse(statement)
    assert caught.value.code == code
    assert caught.value.detail.startswith("QueryParserError" if code == "4000" else "QueryValidationError")


def test_a_reference_compares_by_its_value() -> None:
    rows = [{"Id": "1", "CustomerRef": {"value": "7", "name": "A"}}, {"Id": "2", "CustomerRef": {"value": "8"}}]
    query = q.parse("select * from Invoice where CustomerRef = '8'")
    assert [r["Id"] for r in q.select(query, rows, ZONE)] == ["2"]
    assert q.lookup(rows[0], "customerref") == "7"
    assert q.parse_instant("2025-01-02", ZONE) == datetime(2025, 1, 2, tzinfo=ZONE)
    assert q.select(q.parse("select * from X where Balance > 1"), [{"Id": "1", "Balance": Decimal(2)}], ZONE)
