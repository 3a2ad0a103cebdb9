"""The values of the expression language: XPath 1.0's conversions and functions as ODK Collect
(JavaRosa) applies them, for the functions compiled in expressions.py.

The browser's evaluator (cwtt/web/static/web/capture.js) follows the same rules; both are held
to tests/engine/odk_conformance.json. See docs/decisions/0041-expressions-as-odk.md.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Callable
from typing import Any

# --- runtime helpers: XPath 1.0's conversions as ODK Collect (JavaRosa) applies them ------------
#
# An unanswered question is None and reads as the empty string '', as a blank node does in ODK:
# so `${q} = ''` is true and `${q} != 'yes'` is true when q is blank, while `${q} < 3`,
# `${q} = 3` and arithmetic see NaN (false, false, NaN). Dates are ISO texts ('2026-11-23');
# one counts as its days since 1970-01-01 wherever a number is needed. See
# docs/decisions/0041-expressions-as-odk.md and tests/engine/odk_conformance.json.

_NAN = float("nan")
_EPOCH = dt.date(1970, 1, 1)
# JavaRosa's string-to-number rule: a comma reads as a decimal point, and only digits, one
# leading minus and a point are a number ('1e3', '+5' and 'Infinity' are NaN).
_NUMBER_TEXT = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
_DATE_TEXT = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATE_TIME_TEXT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
# A number equals another within this distance (JavaRosa's XPathEqExpr), so 0.1 + 0.2 = 0.3.
CLOSE = 1e-12


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text_days(text: str) -> float:
    """Days since 1970-01-01 of a 'YYYY-MM-DD' text, or NaN."""
    match = _DATE_TEXT.fullmatch(text)
    if match is None:
        return _NAN
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return _NAN
    return (day - _EPOCH).days


def _num(value: Any) -> Any:
    """XPath number(): NaN when the value is not a number."""
    if value is None:
        return _NAN
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        value = " ".join(map(str, value))
    if isinstance(value, str):
        number = _TEXT_NUMBERS.get(value)
        if number is None:
            text = value.replace(",", ".").strip()
            number = float(text) if _NUMBER_TEXT.fullmatch(text) else _text_days(text)
            if len(value) <= 20 and len(_TEXT_NUMBERS) < 10_000:  # select codes repeat
                _TEXT_NUMBERS[value] = number
        return number
    return _NAN


_TEXT_NUMBERS: dict[str, float] = {}


def _truthy(value: Any) -> bool:
    """XPath boolean(): a non-empty text (even 'false') is true; 0 and NaN are false."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return abs(value) > CLOSE  # False for NaN, as every comparison with NaN is
    if isinstance(value, str | list | tuple):
        return len(value) > 0
    return bool(value)


def _string(value: Any) -> str:
    """XPath string(), spelling numbers as JavaRosa does (2.0 is '2', NaN is 'NaN')."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and _INT_MIN <= value <= _INT_MAX:
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, int):
        try:
            return _number_text(float(value))
        except OverflowError:  # an integer beyond any float
            return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, list | tuple):
        try:
            return " ".join(value)  # choice codes are texts: the quick way
        except TypeError:
            return " ".join(map(_string, value))
    return str(value)


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def _number_text(number: float) -> str:
    """A number as JavaRosa writes it: whole numbers (within Java's int) without a point,
    others as Java's Double.toString — plain from 0.001 up to 10^7, else like 5.0E-5."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if abs(number) < CLOSE:
        return "0"
    whole = math.trunc(min(max(number, _INT_MIN), _INT_MAX))
    if abs(number - whole) < CLOSE:
        return str(whole)
    if 1e-3 <= abs(number) < 1e7:
        return repr(number)
    sign, digits, exponent = decimal.Decimal(repr(number)).normalize().as_tuple()
    assert isinstance(exponent, int)  # a finite number
    text = "".join(map(str, digits))
    mantissa = f"{text[0]}.{text[1:] or '0'}"
    return f"{'-' if sign else ''}{mantissa}E{exponent + len(digits) - 1}"


def _java_int(value: Any) -> int:
    """A number as Java's (int) cast reads it: NaN is 0, and it saturates."""
    number = _num(value)
    if math.isnan(number):
        return 0
    if number >= 2**31 - 1:
        return 2**31 - 1
    if number <= -(2**31):
        return -(2**31)
    return int(number)


def _eq(a: Any, b: Any) -> bool:
    if a.__class__ is str and b.__class__ is str:
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return _truthy(a) == _truthy(b)
    if _is_number(a) or _is_number(b):
        try:
            return abs(_num(a) - _num(b)) < CLOSE
        except OverflowError:  # an integer beyond any float
            return False
    return _string(a) == _string(b)


def _ne(a: Any, b: Any) -> bool:
    return not _eq(a, b)


def _lt(a: Any, b: Any) -> bool:
    return bool(_num(a) < _num(b))


def _le(a: Any, b: Any) -> bool:
    return bool(_num(a) <= _num(b))


def _gt(a: Any, b: Any) -> bool:
    return bool(_num(a) > _num(b))


def _ge(a: Any, b: Any) -> bool:
    return bool(_num(a) >= _num(b))


def _arith(op: str) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        na, nb = _num(a), _num(b)
        try:
            if op == "+":
                return na + nb
            if op == "-":
                return na - nb
            if op == "*":
                return na * nb
            if op == "div":
                if nb == 0:  # IEEE division, as in Java: 1 div 0 is Infinity, 0 div 0 NaN
                    if na == 0 or math.isnan(na):
                        return _NAN
                    return math.copysign(math.inf, na) * math.copysign(1, nb)
                return na / nb
            return math.fmod(na, nb)  # Java's %: the sign of the dividend; x mod 0 is NaN
        except (OverflowError, ValueError):  # a huge int, or fmod of infinity
            return _NAN

    return apply


def _words(value: Any) -> list[str]:
    """A select_multiple answer's choices (JavaRosa splits on single spaces)."""
    return [word for word in _string(value).split(" ") if word]


def _selected(value: Any, choice: Any) -> bool:
    return f" {_string(choice).strip()} " in f" {_string(value)} "


def _count_selected(value: Any) -> int:
    return len(_words(value))


def _selected_at(value: Any, index: Any) -> str:
    words, at = _words(value), _java_int(index)
    return words[at] if 0 <= at < len(words) else ""


def _int(value: Any) -> Any:
    number = _num(value)
    if isinstance(number, int) or math.isnan(number) or math.isinf(number):
        return number
    return math.trunc(number)


def _round(value: Any, digits: Any = 0) -> Any:
    """JavaRosa's round(): halves go up (2.5 → 3, -2.5 → -2, as XPath 1.0 says), and the
    number is rounded as it is written in decimal, so round(1.005, 2) is 1.01."""
    number, places = _num(value), _java_int(digits)
    if math.isnan(number) or math.isinf(number):
        return number
    if not -30 <= places <= 30:
        return _NAN
    written = decimal.Decimal(repr(number))
    if places >= 0:
        half = decimal.ROUND_HALF_UP if number >= 0 else decimal.ROUND_HALF_DOWN
        step = decimal.Decimal(1).scaleb(-places)
        return float(written.quantize(step, rounding=half, context=_DECIMALS))
    # JavaRosa: (long)(scaled + 0.5), the integer part, so negatives round towards zero.
    whole = math.trunc(float(written.scaleb(places, context=_DECIMALS)) + 0.5)
    return float(decimal.Decimal(whole).scaleb(-places, context=_DECIMALS))


# Enough digits for any float (up to 309 before the point) with 30 places after it.
_DECIMALS = decimal.Context(prec=400)


def _abs(value: Any) -> Any:
    return abs(_num(value))


def _extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
    def apply(*values: Any) -> Any:
        numbers = [n for n in map(_num, values) if not math.isnan(n)]
        return pick(numbers) if numbers else _NAN  # blanks are left out, as in JavaRosa

    return apply


_REGEX_CACHE: dict[str, re.Pattern[str] | None] = {}


def _regex(value: Any, pattern: Any) -> bool:
    """True when the whole text matches (Java's Pattern.matches), as ODK's regex() does."""
    pattern = _string(pattern)
    if pattern in _REGEX_CACHE:
        compiled = _REGEX_CACHE[pattern]
    else:
        try:
            compiled = re.compile(pattern)
        except re.error:  # a pattern taken from an answer; the reader checks written ones
            compiled = None
        if len(_REGEX_CACHE) < 1000:
            _REGEX_CACHE[pattern] = compiled
    return compiled is not None and compiled.fullmatch(_string(value)) is not None


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _coalesce(a: Any, b: Any) -> Any:
    return b if _is_blank(a) else a


def _concat(*values: Any) -> str:
    return "".join(map(_string, values))


def _substr(value: Any, start: Any, end: Any = None) -> str:
    """ODK's substr(text, start[, end]): from 0, end excluded; negatives count from the end."""
    text = _string(value)
    first = _java_int(start)
    last = len(text) if end is None else _java_int(end)
    first = first + len(text) if first < 0 else first
    last = last + len(text) if last < 0 else last
    first, last = min(max(0, first), len(text)), min(max(0, last), len(text))
    return text[first:last] if first <= last else ""


def _boolean_from_string(value: Any) -> bool:
    text = _string(value)
    return text.lower() == "true" or text == "1"


def _today() -> str:
    return dt.date.today().isoformat()


def _moment(value: Any) -> dt.datetime | None:
    """A date or date-time text as a moment in UTC (a date is its midnight; no offset is UTC)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    match = _DATE_TIME_TEXT.fullmatch(_string(value).strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=dt.UTC,
        )
    except ValueError:
        return None
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        shift = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        moment -= sign * shift
    return moment


def _date(value: Any) -> Any:
    """date(): a number of days since 1970-01-01, or a date text, as 'YYYY-MM-DD'."""
    if _is_number(value):
        days = _int(value)
        if math.isnan(days) or math.isinf(days):
            return _NAN
        try:
            return (_EPOCH + dt.timedelta(days=days)).isoformat()
        except OverflowError:  # before year 1 or after 9999
            return _NAN
    if _is_blank(value):
        return ""
    match = _DATE_TIME_TEXT.fullmatch(_string(value).strip())
    if match is None:
        return ""  # not a date: blank (ODK Collect stops with an error)
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return ""


def _decimal_date_time(value: Any) -> Any:
    if _is_number(value):
        return value
    if _is_blank(value):
        return ""
    moment = _moment(value)
    if moment is None:
        return _NAN
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) / dt.timedelta(days=1)


_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()


def _format_date(value: Any, pattern: Any) -> str:
    """format-date() with JavaRosa's codes (%Y %y %m %n %b %d %e %a %H %h %M %S %3)."""
    if _is_number(value):
        value = _date(value)
    moment = _moment(value)
    if moment is None:
        return ""
    codes = {
        "Y": f"{moment.year:04d}",
        "y": f"{moment.year % 100:02d}",
        "m": f"{moment.month:02d}",
        "n": str(moment.month),
        "b": _MONTHS[moment.month - 1],
        "d": f"{moment.day:02d}",
        "e": str(moment.day),
        "a": _DAYS[moment.weekday()],
        "H": f"{moment.hour:02d}",
        "h": str(moment.hour),
        "M": f"{moment.minute:02d}",
        "S": f"{moment.second:02d}",
        "3": f"{moment.microsecond // 1000:03d}",
    }
    return re.sub(r"%(.)", lambda m: codes.get(m[1], m[1]), _string(pattern))


def _stored(value: Any) -> Any:
    """A calculation's value as it is kept: NaN and '' are no value (None), as in ODK."""
    return None if _is_blank(value) else value


# The names the compiled functions may call: nothing else (no builtins) is in reach.
RUNTIME: dict[str, Any] = {
    "_eq": _eq,
    "_ne": _ne,
    "_lt": _lt,
    "_le": _le,
    "_gt": _gt,
    "_ge": _ge,
    "_add": _arith("+"),
    "_sub": _arith("-"),
    "_mul": _arith("*"),
    "_div": _arith("div"),
    "_mod": _arith("mod"),
    "_truthy": _truthy,
    "_selected": _selected,
    "_count_selected": _count_selected,
    "_selected_at": _selected_at,
    "_num": _num,
    "_int": _int,
    "_string": _string,
    "_round": _round,
    "_abs": _abs,
    "_min": _extreme(min),
    "_max": _extreme(max),
    "_regex": _regex,
    "_coalesce": _coalesce,
    "_concat": _concat,
    "_substr": _substr,
    "_boolean_from_string": _boolean_from_string,
    "_today": _today,
    "_date": _date,
    "_decimal_date_time": _decimal_date_time,
    "_format_date": _format_date,
    "_stored": _stored,
    "abs": abs,
    "len": len,
    "str": str,
    "int": int,
    "float": float,
    "__builtins__": {},
}


def truthy(value: Any) -> bool:
    """XPath boolean() of a value."""
    return _truthy(value)
