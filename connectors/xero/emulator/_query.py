"""The `where` and `order` query parameters: the subset of .NET dynamic LINQ that Xero's documents and clients use.

where: comparisons `==` `=` `!=` `<>` `<` `<=` `>` `>=` between a member path (`Status`, `Contact.ContactID`;
case-insensitive, as LINQ binds members) and a literal: "text", numbers, true/false, null,
`guid("...")` / `Guid("...")`, `DateTime(2024,01,31[,h,m,s])`; string methods `.Contains("x")`,
`.StartsWith("x")`, `.EndsWith("x")`, `.ToLower()`, `.ToUpper()`; `AND` `&&` `OR` `||` `NOT` `!` and
parentheses. Dates compare as instants (Xero's `/Date(...)/` values are parsed), GUIDs without regard to case.
order: `Field [ASC|DESC][, Field2 [ASC|DESC]...]`. Errors are QueryParseException answers naming the problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ._errors import XeroError, query_parse
from ._wire import Record, parse_moment

Predicate = Callable[[Record], bool]
Getter = Callable[[Record], Any]

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>==|!=|<>|>=|<=|&&|\|\||[=<>!(),.])
    )""",
    re.VERBOSE,
)
_MAX_LENGTH = 4000
_MS_DATE = re.compile(r"^/Date\(-?\d+([+-]\d{4})?\)/$")


@dataclass(frozen=True)
class _Guid:
    value: str


@dataclass
class _Token:
    kind: str
    text: str


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise query_parse(f"Syntax error at position {position} in '{text}'")
        kind = match.lastgroup or "op"
        tokens.append(_Token(kind, match.group(kind)))
        position = match.end()
    return tokens


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def _member(record: object, name: str) -> object:
    if not isinstance(record, dict):
        return None
    if name in record:
        return record[name]
    lowered = name.lower()
    for key, value in record.items():
        if key.lower() == lowered:
            return value
    return None


def _comparable(left: object, right: object) -> tuple[object, object] | None:
    """Both sides in one comparable type, or None when they cannot be compared."""
    if isinstance(left, _Guid) or isinstance(right, _Guid):
        a = left.value if isinstance(left, _Guid) else left
        b = right.value if isinstance(right, _Guid) else right
        return (str(a).lower(), str(b).lower()) if a is not None and b is not None else None
    if isinstance(left, datetime) or isinstance(right, datetime):
        a, b = parse_moment(left), parse_moment(right)
        return (a, b) if a is not None and b is not None else None
    if isinstance(left, bool) or isinstance(right, bool):
        return (left, right) if isinstance(left, bool) and isinstance(right, bool) else None
    if isinstance(left, int | Decimal) and isinstance(right, int | Decimal):
        return Decimal(left), Decimal(right)
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    return None


def _compare(op: str, left: object, right: object) -> bool:
    if left is None or right is None:
        same = left is None and right is None
        return same if op in ("==", "=") else (not same if op in ("!=", "<>") else False)
    pair = _comparable(left, right)
    if pair is None:
        return op in ("!=", "<>")
    a, b = pair
    if op in ("==", "="):
        return a == b
    if op in ("!=", "<>"):
        return a != b
    try:
        if op == "<":
            return bool(a < b)  # type: ignore[operator]
        if op == "<=":
            return bool(a <= b)  # type: ignore[operator]
        if op == ">":
            return bool(a > b)  # type: ignore[operator]
        return bool(a >= b)  # type: ignore[operator]
    except TypeError:
        return False


_STRING_METHODS: dict[str, int] = {"contains": 1, "startswith": 1, "endswith": 1, "tolower": 0, "toupper": 0}


class _Parser:
    def __init__(self, text: str, type_name: str, fields: frozenset[str]) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.position = 0
        self.type_name = type_name
        self.fields = fields

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise query_parse(f"Expression expected at the end of '{self.text}'")
        self.position += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise query_parse(f"'{text}' expected, not '{token.text}', in '{self.text}'")

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and (token.text in words or token.text.upper() in words):
            self.position += 1
            return True
        return False

    def parse(self) -> Getter:
        if not self.tokens:
            raise query_parse("Expression expected")
        expression = self.disjunction()
        if self.peek() is not None:
            raise query_parse(f"Syntax error near '{self.peek().text}' in '{self.text}'")  # type: ignore[union-attr]
        return expression

    def disjunction(self) -> Getter:
        parts = [self.conjunction()]
        while self.keyword("OR", "||"):
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        return lambda record: any(bool(part(record)) for part in parts)

    def conjunction(self) -> Getter:
        parts = [self.negation()]
        while self.keyword("AND", "&&"):
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        return lambda record: all(bool(part(record)) for part in parts)

    def negation(self) -> Getter:
        if self.keyword("NOT", "!"):
            inner = self.negation()
            return lambda record: not bool(inner(record))
        return self.comparison()

    def comparison(self) -> Getter:
        left = self.operand()
        token = self.peek()
        if token is not None and token.text in ("==", "=", "!=", "<>", "<", "<=", ">", ">="):
            self.position += 1
            right = self.operand()
            op = token.text
            return lambda record: _compare(op, left(record), right(record))
        return left

    def operand(self) -> Getter:
        value = self.primary()
        while self.peek() is not None and self.peek().text == ".":  # type: ignore[union-attr]
            self.position += 1
            name = self.take()
            if name.kind != "name":
                raise query_parse(f"Member name expected after '.', not '{name.text}'")
            token = self.peek()
            if token is not None and token.text == "(":
                value = self.method(value, name.text)
            else:
                value = self.member_of(value, name.text)
        return value

    def member_of(self, base: Getter, name: str) -> Getter:
        return lambda record: _member(base(record), name)

    def method(self, base: Getter, name: str) -> Getter:
        arity = _STRING_METHODS.get(name.lower())
        if arity is None:
            raise query_parse(f"No applicable method '{name}' exists in type 'String'")
        self.expect("(")
        args: list[Getter] = []
        if self.peek() is not None and self.peek().text != ")":  # type: ignore[union-attr]
            args.append(self.disjunction())
            while self.keyword(","):
                args.append(self.disjunction())
        self.expect(")")
        if len(args) != arity:
            raise query_parse(f"No applicable method '{name}' exists with {len(args)} argument(s)")
        lowered = name.lower()

        def call(record: Record) -> object:
            subject = base(record)
            if not isinstance(subject, str):
                return None if arity == 0 else False
            if lowered == "tolower":
                return subject.lower()
            if lowered == "toupper":
                return subject.upper()
            argument = args[0](record)
            if not isinstance(argument, str):
                return False
            if lowered == "contains":
                return argument in subject
            if lowered == "startswith":
                return subject.startswith(argument)
            return subject.endswith(argument)

        return call

    def primary(self) -> Getter:
        token = self.take()
        if token.text == "(":
            inner = self.disjunction()
            self.expect(")")
            return inner
        if token.kind == "string":
            text = _unquote(token.text)
            return lambda record: text
        if token.kind == "number":
            number = Decimal(token.text)
            return lambda record: number
        if token.kind != "name":
            raise query_parse(f"Expression expected, not '{token.text}', in '{self.text}'")
        word = token.text.lower()
        following = self.peek()
        if following is not None and following.text == "(" and word in ("guid", "datetime"):
            return self.constructor(word)
        if word in ("true", "false"):
            flag = word == "true"
            return lambda record: flag
        if word == "null":
            return lambda record: None
        if word not in self.fields:
            raise query_parse(f"No property or field '{token.text}' exists in type '{self.type_name}'")
        name = token.text
        return lambda record: _member(record, name)

    def constructor(self, word: str) -> Getter:
        self.expect("(")
        args: list[_Token] = [self.take()]
        while self.keyword(","):
            args.append(self.take())
        self.expect(")")
        if word == "guid":
            if len(args) != 1 or args[0].kind != "string":
                raise query_parse('guid() takes one quoted value, like guid("00000000-0000-0000-0000-000000000000")')
            guid = _Guid(_unquote(args[0].text))
            return lambda record: guid
        if not all(a.kind == "number" and "." not in a.text for a in args) or len(args) not in (3, 6):
            raise query_parse("DateTime() takes year, month, day and optionally hour, minute, second")
        numbers = [int(a.text) for a in args]
        try:
            hour, minute, second = numbers[3:] or (0, 0, 0)
            moment = datetime(numbers[0], numbers[1], numbers[2], hour, minute, second, tzinfo=UTC)
        except ValueError as exc:
            raise query_parse(f"DateTime({', '.join(a.text for a in args)}) is not a valid date: {exc}") from None
        return lambda record: moment


@lru_cache(maxsize=256)
def _compiled(text: str, type_name: str, fields: frozenset[str]) -> Getter:
    return _Parser(text, type_name, fields).parse()


def where(text: str, type_name: str, fields: Iterable[str]) -> Predicate:
    """The compiled `where` clause; raises a QueryParseException answer when it cannot be read."""
    if len(text) > _MAX_LENGTH:
        raise query_parse(f"The where clause is longer than {_MAX_LENGTH} characters")
    getter = _compiled(text, type_name, frozenset(f.lower() for f in fields))
    return lambda record: bool(getter(record))


def sort_value(value: object) -> tuple[int, Any]:
    """A key that orders one column's values sensibly: nulls first, Xero dates as instants."""
    if value is None or value == "":
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, int | Decimal):
        return (2, Decimal(value))
    if isinstance(value, str) and _MS_DATE.match(value):
        return (3, parse_moment(value))
    if isinstance(value, str):
        return (4, value.lower())
    return (5, str(value))


def order(text: str, type_name: str, fields: Iterable[str]) -> list[tuple[list[str], bool]]:
    """`order` as (member path, descending) pairs; raises a QueryParseException answer for unknown fields."""
    known = {f.lower() for f in fields}
    result: list[tuple[list[str], bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise query_parse(f"Syntax error in order '{text}': use Field ASC or Field DESC")
        path = words[0].split(".")
        if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p) for p in path):
            raise query_parse(f"Syntax error in order '{text}'")
        if path[0].lower() not in known:
            raise query_parse(f"No property or field '{path[0]}' exists in type '{type_name}'")
        result.append((path, len(words) == 2 and words[1].upper() == "DESC"))
    return result


def path_value(record: Record, path: list[str]) -> object:
    value: object = record
    for name in path:
        value = _member(value, name)
    return value


__all__ = ["XeroError", "order", "path_value", "sort_value", "where"]
