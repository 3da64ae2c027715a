"""The QuickBooks query language: parse a statement, then run it over an entity's records.

    SELECT * | COUNT(*) | Prop[, Prop...] FROM Entity
        [WHERE cond [AND cond ...]] [ORDERBY | ORDER BY Prop [ASC|DESC][, ...]]
        [STARTPOSITION n] [MAXRESULTS n]
    cond: Prop op value (op: = < > <= >= !=), Prop IN (value, ...), Prop LIKE 'text%'

Keywords, entity names and property names ignore case (QuickBooks accepts ``Metadata.LastUpdatedTime`` for
``MetaData.LastUpdatedTime``); string values are quoted with ``'`` and escape a quote as ``\\'``. There is no OR
(QuickBooks has none). String comparisons ignore case, as QuickBooks' do. A reference property
(``CustomerRef``) compares by its ``value``. Dates and date-times compare as instants; one without an offset
is read in the company's offset.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_RESULTS = 1000
DEFAULT_MAX_RESULTS = 100

Value = str | Decimal | bool


class QueryError(Exception):
    """A statement QuickBooks refuses: ``code`` 4000 (parse) or 4001 (validation), with Intuit's texts."""

    def __init__(self, code: str, message: str, detail: str) -> None:
        super().__init__(f"{message}: {detail}")
        self.code = code
        self.message = message
        self.detail = detail


def _parse_error(detail: str) -> QueryError:
    return QueryError("4000", "Error parsing query", f"QueryParserError: {detail}")


def validation_error(detail: str) -> QueryError:
    return QueryError("4001", "Invalid query", f"QueryValidationError: {detail}")


@dataclass(frozen=True)
class Condition:
    prop: str  # as written, dotted: "MetaData.LastUpdatedTime"
    op: str  # "=", "<", ">", "<=", ">=", "!=", "in", "like"
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Query:
    entity: str  # as written; the caller resolves its case
    count: bool = False
    props: tuple[str, ...] = ()  # empty: every property ("*")
    where: tuple[Condition, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()  # (prop, descending)
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS
    extra: tuple[str, ...] = field(default=())  # properties named after "*," (SELECT *, Sku)


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:\\.|''|[^'\\])*')
      | (?P<num>-?\d+(?:\.\d+)?(?![\w.]))
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),*])
      | (?P<name>[A-Za-z_][\w.]*)
    )""",
    re.VERBOSE,
)


@dataclass
class _Token:
    kind: str
    text: str
    column: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            column = pos + 1 + (len(text[pos:]) - len(text[pos:].lstrip()))
            raise _parse_error(f'Encountered "{text[column - 1]}" at line 1, column {column}.')
        kind = match.lastgroup
        start = match.start(kind)
        tokens.append(_Token(kind, match.group(kind), start + 1))
        pos = match.end()
    return tokens


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)|''", lambda m: m.group(1) if m.group(1) is not None else "'", body)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "name" and token.text.lower() in words:
            self.index += 1
            return True
        return False

    def unexpected(self, expecting: str) -> QueryError:
        token = self.peek()
        if token is None:
            return _parse_error(f'Encountered "<EOF>" at end of query. Was expecting one of: {expecting}')
        return _parse_error(
            f'Encountered "{token.text}" at line 1, column {token.column}. Was expecting one of: {expecting}'
        )

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise self.unexpected(f'"{word}"')

    def expect_punct(self, char: str) -> None:
        token = self.peek()
        if token is None or token.kind != "punct" or token.text != char:
            raise self.unexpected(f'"{char}"')
        self.index += 1

    def punct(self, char: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "punct" and token.text == char:
            self.index += 1
            return True
        return False

    def name(self, what: str) -> str:
        token = self.peek()
        if token is None or token.kind != "name" or token.text.lower() in _RESERVED:
            raise self.unexpected(what)
        self.index += 1
        return token.text

    def integer(self, what: str) -> int:
        token = self.peek()
        if token is None or token.kind != "num" or not token.text.lstrip("-").isdigit():
            raise self.unexpected(what)
        self.index += 1
        return int(token.text)

    def value(self) -> Value:
        token = self.peek()
        if token is None:
            raise self.unexpected("<STRING> <NUMBER> true false")
        if token.kind == "str":
            self.index += 1
            return _unquote(token.text)
        if token.kind == "num":
            self.index += 1
            return Decimal(token.text)
        if token.kind == "name" and token.text.lower() in ("true", "false"):
            self.index += 1
            return token.text.lower() == "true"
        raise self.unexpected("<STRING> <NUMBER> true false")

    def parse(self) -> Query:
        self.expect_keyword("select")
        count = False
        props: list[str] = []
        extra: list[str] = []
        if self.keyword("count"):
            self.expect_punct("(")
            self.expect_punct("*")
            self.expect_punct(")")
            count = True
        elif self.punct("*"):
            while self.punct(","):
                extra.append(self.name("<IDENTIFIER>"))
        else:
            props.append(self.name('"*" "count" <IDENTIFIER>'))
            while self.punct(","):
                props.append(self.name("<IDENTIFIER>"))
        self.expect_keyword("from")
        entity = self.name("<IDENTIFIER>")
        where: list[Condition] = []
        if self.keyword("where"):
            where.append(self.condition())
            while self.keyword("and"):
                where.append(self.condition())
        order: list[tuple[str, bool]] = []
        if self.keyword("orderby") or (self.keyword("order") and self._by()):
            while True:
                prop = self.name("<IDENTIFIER>")
                descending = False
                if self.keyword("desc"):
                    descending = True
                else:
                    self.keyword("asc")
                order.append((prop, descending))
                if not self.punct(","):
                    break
        start, max_results = 1, DEFAULT_MAX_RESULTS
        seen: set[str] = set()
        while self.peek() is not None:
            if "start" not in seen and self.keyword("startposition"):
                start = self.integer("<INTEGER>")
                seen.add("start")
            elif "max" not in seen and self.keyword("maxresults"):
                max_results = self.integer("<INTEGER>")
                seen.add("max")
            else:
                raise self.unexpected('"and" "orderby" "startposition" "maxresults" <EOF>')
        if max_results > MAX_RESULTS:
            raise validation_error(f"value {max_results} is too large. Max allowed value is {MAX_RESULTS}")
        if max_results < 0:
            raise validation_error(f"value {max_results} is too small. Min allowed value is 0")
        return Query(
            entity=entity,
            count=count,
            props=tuple(props),
            where=tuple(where),
            order=tuple(order),
            start=max(start, 1),
            max_results=max_results,
            extra=tuple(extra),
        )

    def _by(self) -> bool:
        self.expect_keyword("by")
        return True

    def condition(self) -> Condition:
        prop = self.name("<IDENTIFIER>")
        token = self.peek()
        if token is not None and token.kind == "op":
            self.index += 1
            op = "!=" if token.text == "<>" else token.text
            return Condition(prop, op, (self.value(),))
        if self.keyword("in"):
            self.expect_punct("(")
            values = [self.value()]
            while self.punct(","):
                values.append(self.value())
            self.expect_punct(")")
            return Condition(prop, "in", tuple(values))
        if self.keyword("like"):
            value = self.value()
            if not isinstance(value, str):
                raise self.unexpected("<STRING>")
            return Condition(prop, "like", (value,))
        raise self.unexpected('"=" "<" ">" "<=" ">=" "in" "like"')


_RESERVED = frozenset(
    {"select", "from", "where", "and", "or", "orderby", "order", "startposition", "maxresults", "in", "like"}
)


def parse(text: str) -> Query:
    """Parse one statement; a malformed one raises QueryError 4000 as QuickBooks' parser does."""
    if not text or not text.strip():
        raise _parse_error('Encountered "<EOF>" at line 1, column 1. Was expecting: "select"')
    return _Parser(text).parse()


# --- evaluation -----------------------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def lookup(record: Mapping[str, Any], prop: str) -> Any:
    """The value at a dotted property path, matching names without regard to case; a Ref gives its value."""
    current: Any = record
    for part in prop.split("."):
        if not isinstance(current, Mapping):
            return None
        if part in current:
            current = current[part]
            continue
        lowered = part.lower()
        current = next((v for k, v in current.items() if k.lower() == lowered), None)
    if isinstance(current, Mapping) and "value" in current:
        return current["value"]
    return current


def parse_instant(text: str, offset: timezone) -> datetime | None:
    """A date or date-time string as an aware datetime (a date is its midnight), or None if it is neither."""
    text = text.strip()
    try:
        if _DATE.match(text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), offset)
        if _DATETIME.match(text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=offset)
    except ValueError:
        return None
    return None


def _comparable(stored: Any, wanted: Value, offset: timezone) -> tuple[Any, Any] | None:
    """Both sides in one comparable type, or None when they cannot be compared (the row does not match)."""
    if stored is None:
        return None
    if isinstance(wanted, bool) or isinstance(stored, bool):
        if isinstance(stored, bool) and isinstance(wanted, bool):
            return stored, wanted
        if isinstance(stored, bool) and isinstance(wanted, str) and wanted.lower() in ("true", "false"):
            return stored, wanted.lower() == "true"
        return None
    if isinstance(stored, int | float | Decimal):
        try:
            return Decimal(str(stored)), Decimal(str(wanted))
        except InvalidOperation:
            return None
    if isinstance(stored, str):
        if isinstance(wanted, str):
            left, right = parse_instant(stored, offset), parse_instant(wanted, offset)
            if left is not None and right is not None:
                return left, right
            return stored.lower(), wanted.lower()
        try:  # a numeric literal against an id such as "42"
            return Decimal(stored), wanted
        except InvalidOperation:
            return stored.lower(), str(wanted).lower()
    return None


def _like(stored: Any, pattern: str) -> bool:
    if not isinstance(stored, str):
        return False
    regex = "".join(".*" if ch == "%" else re.escape(ch) for ch in pattern.lower())
    return re.fullmatch(regex, stored.lower(), re.DOTALL) is not None


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    ">": lambda a, b: bool(a > b),
    "<=": lambda a, b: bool(a <= b),
    ">=": lambda a, b: bool(a >= b),
}


def matches(record: Mapping[str, Any], condition: Condition, offset: timezone) -> bool:
    stored = lookup(record, condition.prop)
    if condition.op == "like":
        return _like(stored, str(condition.values[0]))
    if condition.op == "in":
        return any(_holds(stored, "=", value, offset) for value in condition.values)
    return _holds(stored, condition.op, condition.values[0], offset)


def _holds(stored: Any, op: str, wanted: Value, offset: timezone) -> bool:
    pair = _comparable(stored, wanted, offset)
    if pair is None:
        return False
    try:
        return _COMPARE[op](*pair)
    except TypeError:  # e.g. an id compared with a date
        return False


def _sort_key(value: Any, offset: timezone) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float | Decimal):
        return (2, Decimal(str(value)))
    if isinstance(value, str):
        instant = parse_instant(value, offset)
        if instant is not None:
            return (3, instant.astimezone(UTC))
        try:
            return (2, Decimal(value))
        except InvalidOperation:
            return (4, value.lower())
    return (5, str(value))


def id_key(record: Mapping[str, Any]) -> tuple[int, str]:
    ident = str(record.get("Id", ""))
    return (int(ident), "") if ident.isdigit() else (1 << 62, ident)


def select(query: Query, records: Iterable[Mapping[str, Any]], offset: timezone) -> list[Mapping[str, Any]]:
    """The records the WHERE clause keeps, in ORDERBY order (then by Id, QuickBooks' default)."""
    kept = [r for r in records if all(matches(r, c, offset) for c in query.where)]
    kept.sort(key=id_key)
    for prop, descending in reversed(query.order):
        kept.sort(key=lambda r, p=prop: _sort_key(lookup(r, p), offset), reverse=descending)  # type: ignore[misc]
    return kept


def page(query: Query, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return list(rows[query.start - 1 : query.start - 1 + query.max_results])


def project(record: Mapping[str, Any], props: Sequence[str]) -> dict[str, Any]:
    """``SELECT A, B``: those top-level properties (names as the record spells them), Id, and sparse: true."""
    wanted = {p.split(".")[0].lower() for p in props} | {"id"}
    out = {k: v for k, v in record.items() if k.lower() in wanted}
    out["domain"] = record.get("domain", "QBO")
    out["sparse"] = True
    return out


def offset_of(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))
