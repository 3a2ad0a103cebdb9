"""The XLSForm expression language (a subset of XPath 1.0), compiled to Python functions.

Instrument authors write one language everywhere — `relevant`, `constraint`, measure inputs and
scoring rules — so an expression is parsed once here and compiled to a plain Python function of
one argument, the mapping of names to values. Compiling (rather than walking a tree per call) is
what lets the engine score tens of thousands of assessments a second; the generated source is
built only from the parsed tree, never from the author's text, so nothing the author writes can
run as Python.

Why not a library: pyxform only tokenises expressions, and the XPath engines on PyPI evaluate
over XML documents, not over a dict of answers. See docs/decisions/0003-expression-language.md.

Values: every operator and function gives the value ODK Collect gives (XPath 1.0 as JavaRosa
applies it). An unanswered question is None and reads as the empty text: `${q} = ''` and
`${q} != 'yes'` hold while q is blank, `${q} < 3` does not, and arithmetic with it is NaN; the
value a calculation leaves behind turns NaN and '' into None, and `coalesce()` supplies a
default. Those rules are in xpath_values.py; the browser's evaluator (web/static/web/capture.js)
follows them too, and both are tested against tests/engine/odk_conformance.json. See
docs/decisions/0041-expressions-as-odk.md.

Size: an expression is at most MAX_LENGTH characters and MAX_DEPTH levels deep, and a long
chain of `+`, `*`, `and` or `or` is built as a balanced tree; so parsing, compiling, the tree
the browser interprets and every walk over it stay shallow, whatever an author (or an attacker
with a spreadsheet) writes. See docs/decisions/0030-expression-limits.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .definition import gettext_noop, marked
from .xpath_values import CLOSE, RUNTIME

Values = Mapping[str, Any]
Compiled = Callable[[Values], Any]

SELF = "."  # the name `.` is bound to in a constraint

# Limits that keep every walk over a tree (here, in the generated Python, and in the browser's
# interpreter) far from any recursion limit. Python's own parser refuses code nested more than
# 200 brackets deep, and the generated source uses at most two brackets per level.
MAX_LENGTH = 10_000
MAX_DEPTH = 50
# Chains longer than this are balanced (depth log2 n rather than n); shorter ones keep the
# left-to-right tree, so ordinary expressions evaluate exactly as they always have.
_BALANCE_OVER = 8


class ExpressionError(ValueError):
    """An expression that cannot be parsed or uses something the engine does not know."""


# --- tokens -----------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<ref>\$\{\s*(?P<refname>[A-Za-z_][\w.\-]*)\s*\})
  | (?P<number>\d+\.\d*|\.\d+|\d+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)
  | (?P<self>\.)
  | (?P<name>[A-Za-z_][\w\-]*(?::[A-Za-z_][\w\-]*)?)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ref, number, string, op, self, name, end
    value: str
    position: int


def _check_length(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            marked(
                gettext_noop(
                    "the expression is longer than %(most)s characters (it has %(count)s); split it, for example into a calculate question or a measure"
                ),
                most=f"{MAX_LENGTH:,}",
                count=f"{len(text):,}",
            )
        )


def _too_deep() -> ExpressionError:
    return ExpressionError(
        marked(
            gettext_noop("the expression is nested more than %(most)s levels deep"),
            most=MAX_DEPTH,
        )
    )


def tokenize(text: str) -> list[Token]:
    _check_length(text)
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            raise ExpressionError(
                marked(
                    gettext_noop("unexpected character %(character)s at position %(position)s"),
                    character=repr(text[position]),
                    position=position + 1,
                )
            )
        kind = match.lastgroup
        if kind == "ref":
            tokens.append(Token("ref", match.group("refname"), position))
        elif kind != "ws":
            tokens.append(Token(kind or "", match.group(0), position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# --- syntax tree ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any


@dataclass(frozen=True, slots=True)
class Ref:
    name: str


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Node, ...]


Node = Literal | Ref | BinOp | Neg | Call

_COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}

# function name → (min args, max args or None for any)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "selected-at": (2, 2),
    "not": (1, 1),
    "if": (3, 3),
    "coalesce": (2, 2),
    "int": (1, 1),
    "number": (1, 1),
    "string": (1, 1),
    "boolean": (1, 1),
    "boolean-from-string": (1, 1),
    "string-length": (1, 1),
    "concat": (0, None),
    "substr": (2, 3),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "normalize-space": (1, 1),
    "round": (1, 2),
    "abs": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "regex": (2, 2),
    "true": (0, 0),
    "false": (0, 0),
    "today": (0, 0),
    "date": (1, 1),
    "decimal-date-time": (1, 1),
    "format-date": (2, 2),
    "format-date-time": (2, 2),
}


def _balanced(op: str, nodes: list[Node]) -> Node:
    """`nodes` joined by an associative `op`: left to right when short, else balanced."""
    if len(nodes) <= _BALANCE_OVER:
        node = nodes[0]
        for right in nodes[1:]:
            node = BinOp(op, node, right)
        return node
    # Pairwise, level by level: a loop, so even this never recurses.
    level = nodes
    while len(level) > 1:
        paired: list[Node] = [
            BinOp(op, level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _depth(node: Node) -> int:
    """Operators and calls on the longest path from the top to a value (values count 0)."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 0)]
    while stack:
        current, above = stack.pop()
        if isinstance(current, Literal | Ref):
            continue
        here = above + 1
        deepest = max(deepest, here)
        if here > MAX_DEPTH:
            return here
        if isinstance(current, BinOp):
            stack += [(current.left, here), (current.right, here)]
        elif isinstance(current, Neg):
            stack.append((current.operand, here))
        else:
            stack += [(arg, here) for arg in current.args]
    return deepest


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.nesting = 0  # brackets and calls open around the current token

    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, value: str) -> None:
        token = self.take()
        if token.value != value or token.kind not in {"op"}:
            found = token.value or "the end"
            raise ExpressionError(
                marked(
                    gettext_noop(
                        "expected '%(expected)s' at position %(position)s, found %(found)s"
                    ),
                    expected=value,
                    position=token.position + 1,
                    found=repr(found),
                )
            )

    def open(self) -> None:
        # Checked before descending, so 200 brackets are refused long before Python's
        # recursion limit (each level is seven calls of this parser).
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise _too_deep()

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ExpressionError(
                marked(
                    gettext_noop("the expression is empty"),
                )
            )
        node = self.parse_or()
        token = self.peek()
        if token.kind != "end":
            raise ExpressionError(
                marked(
                    gettext_noop("unexpected %(found)s at position %(position)s"),
                    found=repr(token.value),
                    position=token.position + 1,
                )
            )
        if _depth(node) > MAX_DEPTH:
            raise _too_deep()
        return node

    def _is_word(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "name" and token.value == word

    def parse_or(self) -> Node:
        nodes = [self.parse_and()]
        while self._is_word("or"):
            self.take()
            nodes.append(self.parse_and())
        return _balanced("or", nodes)

    def parse_and(self) -> Node:
        nodes = [self.parse_comparison()]
        while self._is_word("and"):
            self.take()
            nodes.append(self.parse_comparison())
        return _balanced("and", nodes)

    def parse_comparison(self) -> Node:
        node = self.parse_additive()
        token = self.peek()
        if token.kind == "op" and token.value in _COMPARISONS:
            self.take()
            node = BinOp(token.value, node, self.parse_additive())
            after = self.peek()
            if after.kind == "op" and after.value in _COMPARISONS:
                raise ExpressionError(
                    marked(
                        gettext_noop(
                            "two comparisons in a row at position %(position)s; join them with 'and'"
                        ),
                        position=after.position + 1,
                    )
                )
        return node

    def parse_additive(self) -> Node:
        first = self.parse_multiplicative()
        rest: list[tuple[str, Node]] = []
        while self.peek().kind == "op" and self.peek().value in {"+", "-"}:
            op = self.take().value
            rest.append((op, self.parse_multiplicative()))
        if len(rest) < _BALANCE_OVER:
            node = first
            for op, right in rest:
                node = BinOp(op, node, right)
            return node
        # a - b + c is a + (-b) + c: one associative chain, which can be balanced.
        return _balanced("+", [first, *(n if op == "+" else Neg(n) for op, n in rest)])

    def parse_multiplicative(self) -> Node:
        first = self.parse_unary()
        rest: list[tuple[str, Node]] = []
        while (
            (self.peek().kind == "op" and self.peek().value == "*")
            or self._is_word("div")
            or self._is_word("mod")
        ):
            op = self.take().value
            rest.append((op, self.parse_unary()))
        if rest and all(op == "*" for op, _ in rest):
            return _balanced("*", [first, *(n for _, n in rest)])
        node = first  # div and mod do not reassociate; a long chain is refused as too deep
        for op, right in rest:
            node = BinOp(op, node, right)
        return node

    def parse_unary(self) -> Node:
        signs = 0
        while self.peek().kind == "op" and self.peek().value == "-":
            self.take()
            signs += 1
            if signs > MAX_DEPTH:
                raise _too_deep()
        node = self.parse_primary()
        for _ in range(signs):
            node = Neg(node)
        return node

    def parse_primary(self) -> Node:
        token = self.take()
        if token.kind == "number":
            number = float(token.value)
            if not math.isfinite(number):
                raise ExpressionError(
                    marked(
                        gettext_noop("the number at position %(position)s is too large"),
                        position=token.position + 1,
                    )
                )
            return Literal(
                int(number) if number.is_integer() and "." not in token.value else number
            )
        if token.kind == "string":
            return Literal(token.value[1:-1])
        if token.kind == "ref":
            return Ref(token.value)
        if token.kind == "self":
            return Ref(SELF)
        if token.kind == "op" and token.value == "(":
            self.open()
            node = self.parse_or()
            self.expect(")")
            self.nesting -= 1
            return node
        if token.kind == "name":
            following = self.peek()
            if following.kind == "op" and following.value == "(":
                return self.parse_call(token)
            raise ExpressionError(
                marked(
                    gettext_noop(
                        "%(found)s at position %(position)s is not understood; refer to a question as ${name}"
                    ),
                    found=repr(token.value),
                    position=token.position + 1,
                )
            )
        if token.kind == "end":
            raise ExpressionError(
                marked(
                    gettext_noop("the expression ends too early; something is missing at the end"),
                )
            )
        raise ExpressionError(
            marked(
                gettext_noop("unexpected %(found)s at position %(position)s"),
                found=repr(token.value),
                position=token.position + 1,
            )
        )

    def parse_call(self, name: Token) -> Node:
        function = name.value
        if function not in FUNCTIONS:
            raise ExpressionError(
                marked(
                    gettext_noop("the function %(function)s() is not supported"),
                    function=function,
                )
            )
        self.expect("(")
        self.open()
        args: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().value == ")"):
            args.append(self.parse_or())
            while self.peek().kind == "op" and self.peek().value == ",":
                self.take()
                args.append(self.parse_or())
        self.expect(")")
        self.nesting -= 1
        low, high = FUNCTIONS[function]
        if len(args) < low or (high is not None and len(args) > high):
            expected = (
                str(low) if low == high else f"{low} or more" if high is None else f"{low}-{high}"
            )
            raise ExpressionError(
                marked(
                    gettext_noop("%(function)s() takes %(expected)s argument(s), got %(count)s"),
                    function=function,
                    expected=expected,
                    count=len(args),
                )
            )
        if function == "regex" and isinstance(args[1], Literal):
            try:
                re.compile(str(args[1].value))
            except re.error as error:
                raise ExpressionError(
                    f"the pattern {args[1].value!r} of regex() is not a valid regular "
                    f"expression ({error})"
                ) from None
        return Call(function, tuple(args))


def parse(text: str) -> Node:
    try:
        return _Parser(text).parse()
    except RecursionError:  # only when called with the stack already nearly full
        raise _too_deep() from None


def references(node: Node) -> set[str]:
    """Every name an expression reads (`.` included when a constraint uses it)."""
    found: set[str] = set()
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Ref):
            found.add(current.name)
        elif isinstance(current, BinOp):
            stack += [current.left, current.right]
        elif isinstance(current, Neg):
            stack.append(current.operand)
        elif isinstance(current, Call):
            stack.extend(current.args)
    return found


_OP_HELPERS = {
    "=": "_eq",
    "!=": "_ne",
    "<": "_lt",
    "<=": "_le",
    ">": "_gt",
    ">=": "_ge",
    "+": "_add",
    "-": "_sub",
    "*": "_mul",
    "div": "_div",
    "mod": "_mod",
}

_CALL_HELPERS = {
    "selected": "_selected",
    "count-selected": "_count_selected",
    "selected-at": "_selected_at",
    "int": "_int",
    "number": "_num",
    "string": "_string",
    "boolean": "_truthy",
    "boolean-from-string": "_boolean_from_string",
    "round": "_round",
    "abs": "_abs",
    "min": "_min",
    "max": "_max",
    "regex": "_regex",
    "coalesce": "_coalesce",
    "concat": "_concat",
    "substr": "_substr",
    "today": "_today",
    "date": "_date",
    "decimal-date-time": "_decimal_date_time",
    "format-date": "_format_date",
    "format-date-time": "_format_date",
}


_BOOLEAN_CALLS = {
    "not",
    "selected",
    "regex",
    "true",
    "false",
    "boolean",
    "boolean-from-string",
    "contains",
    "starts-with",
    "ends-with",
}
_FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_PY_OP = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _is_boolean(node: Node) -> bool:
    """Whether the node's compiled value is already a bool (so `_truthy` can be skipped)."""
    if isinstance(node, BinOp):
        return node.op in _COMPARISONS or node.op in {"and", "or"}
    return isinstance(node, Call) and node.function in _BOOLEAN_CALLS


def _as_bool(node: Node, temps: list[int]) -> str:
    source = _source(node, temps)
    return source if _is_boolean(node) else f"_truthy({source})"


def _comparison(node: BinOp, temps: list[int]) -> str:
    """A comparison, with a fast path for the common `${q} op literal` shape.

    Most rules compare one answer with a literal. When the answer already has the literal's
    type, Python's own operator gives the same result as the XPath helper, without the helper's
    type juggling; an unanswered question gives the result worked out once here, and any other
    type falls back to the helper. This roughly halves scoring time.
    """
    left, right, op = node.left, node.right, node.op
    if isinstance(left, Literal) and isinstance(right, Ref):
        left, right, op = right, left, _FLIPPED[op]
    helper = _OP_HELPERS[op]
    if isinstance(left, Ref) and isinstance(right, Literal) and not isinstance(right.value, bool):
        temps[0] += 1
        name = f"_t{temps[0]}"
        literal = repr(right.value)
        fetch = f"({name} := v.get({left.name!r}))"
        if isinstance(right.value, str) and op in {"=", "!="}:
            test = f"{fetch}.__class__ is str"
            fast = f"{name} {'==' if op == '=' else '!='} {literal}"
        elif isinstance(right.value, int | float) and op in {"=", "!="}:
            test = f"({fetch}.__class__ is int or {name}.__class__ is float)"
            fast = f"{'' if op == '=' else 'not '}abs({name} - {literal}) < {CLOSE!r}"
        elif isinstance(right.value, int | float):
            test = f"({fetch}.__class__ is int or {name}.__class__ is float)"
            fast = f"{name} {_PY_OP[op]} {literal}"
        else:
            test = ""
        if test:
            blank = repr(RUNTIME[helper](None, right.value))
            return (
                f"(({fast}) if {test} "
                f"else ({blank} if {name} is None else {helper}({name}, {literal})))"
            )
    return f"{helper}({_source(left, temps)}, {_source(right, temps)})"


def _source(node: Node, temps: list[int] | None = None) -> str:
    """Python source for a node; `v` is the mapping of values."""
    temps = temps if temps is not None else [0]
    if isinstance(node, Literal):
        return repr(node.value)
    if isinstance(node, Ref):
        return f"v.get({node.name!r})"
    if isinstance(node, Neg):
        return f"_sub(0, {_source(node.operand, temps)})"
    if isinstance(node, BinOp):
        if node.op in {"and", "or"}:
            return f"({_as_bool(node.left, temps)} {node.op} {_as_bool(node.right, temps)})"
        if node.op in _COMPARISONS:
            return _comparison(node, temps)
        return f"{_OP_HELPERS[node.op]}({_source(node.left, temps)}, {_source(node.right, temps)})"
    if node.function == "true":
        return "True"
    if node.function == "false":
        return "False"
    if node.function == "not":
        return f"(not {_as_bool(node.args[0], temps)})"
    args = [_source(arg, temps) for arg in node.args]
    if node.function == "if":
        return f"({args[1]} if {_as_bool(node.args[0], temps)} else {args[2]})"
    if node.function == "string-length":
        return f"len(_string({args[0]}))"
    if node.function == "contains":
        return f"(_string({args[1]}) in _string({args[0]}))"
    if node.function == "starts-with":
        return f"_string({args[0]}).startswith(_string({args[1]}))"
    if node.function == "ends-with":
        return f"_string({args[0]}).endswith(_string({args[1]}))"
    if node.function == "normalize-space":
        return f"' '.join(_string({args[0]}).split())"
    return f"{_CALL_HELPERS[node.function]}({', '.join(args)})"


def _compile(node: Node, *, stored: bool) -> Compiled:
    if _depth(node) > MAX_DEPTH + 2:  # compile_condition may add two levels of not()
        raise _too_deep()
    try:
        source = _source(node)
        if stored and not _is_boolean(node):
            source = f"_stored({source})"
        code = compile(f"lambda v: {source}", "<expression>", "eval")
    except (SyntaxError, RecursionError, MemoryError) as error:  # only if the limits are wrong
        raise ExpressionError(f"the expression is too large to compile ({error})") from None
    return eval(code, dict(RUNTIME))  # noqa: S307 - source generated from our own tree only


def compile_node(node: Node) -> Compiled:
    """The expression as a function of the values. Its value is kept as ODK keeps a
    calculation's: NaN and the empty text become None (no value), so a sum over a blank
    answer gives no measure rather than NaN."""
    return _compile(node, stored=True)


def compile_expression(text: str) -> Compiled:
    return compile_node(parse(text))


def compile_condition(text: str) -> Callable[[Values], bool]:
    """A compiled expression whose result is read as true or false."""
    node = parse(text)
    if _is_boolean(node):
        return _compile(node, stored=False)
    return _compile(Call("not", (Call("not", (node,)),)), stored=False)


def evaluate(text: str, values: Values) -> Any:
    """The XPath value of an expression, NaN and '' included (what the conformance table
    states); use compile_expression or compile_condition for anything evaluated often."""
    return _compile(parse(text), stored=False)(values)


def to_json(node: Node) -> Any:
    """The parsed tree as plain lists, for the browser's skip logic (static/web/capture.js).

    The browser interprets this tree rather than evaluating generated code, so pages need no
    `eval` and a strict Content-Security-Policy holds.
    ["lit", value] · ["ref", name] · ["neg", x] · ["op", op, a, b] · ["call", fn, args...]
    """
    if isinstance(node, Literal):
        return ["lit", node.value]
    if isinstance(node, Ref):
        return ["ref", node.name]
    if isinstance(node, Neg):
        return ["neg", to_json(node.operand)]
    if isinstance(node, BinOp):
        return ["op", node.op, to_json(node.left), to_json(node.right)]
    return ["call", node.function, *[to_json(arg) for arg in node.args]]


# --- XPath syntax, for what the server does not evaluate ---------------------------------------

_XPATH_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<ref>\$\{[^{}]*\})
  | (?P<number>\d+\.\d*|\.\d+|\d+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<op>//|/|\.\.|\.|@|::|<=|>=|!=|=|<|>|\+|-|\*|\(|\)|\[|\]|,|\|)
  | (?P<var>\$[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)
  | (?P<name>[A-Za-z_][\w.\-]*(?::[A-Za-z_*][\w.\-]*)?)
    """,
    re.VERBOSE,
)
_NODE_TYPES = {"node", "text", "comment", "processing-instruction"}
# Binary operators. A recogniser needs no precedence: every level of XPath's grammar is
# "operand (operator operand)*", so one flat loop accepts exactly the same texts.
_XPATH_SYMBOLS = {"or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"}


class _XPathChecker:
    """A recogniser for XPath 1.0 as XLSForm writes it (`${name}`, any function, paths,
    predicates): it only says whether the text is well formed. ODK evaluates these columns;
    the server does not, but a typo in them must still stop publishing."""

    def __init__(self, text: str) -> None:
        _check_length(text)
        self.tokens: list[Token] = []
        position = 0
        while position < len(text):
            match = _XPATH_TOKEN_RE.match(text, position)
            if match is None:
                raise ExpressionError(
                    marked(
                        gettext_noop("unexpected character %(character)s at position %(position)s"),
                        character=repr(text[position]),
                        position=position + 1,
                    )
                )
            if match.lastgroup != "ws":
                self.tokens.append(Token(match.lastgroup or "", match.group(0), position))
            position = match.end()
        self.tokens.append(Token("end", "", len(text)))
        self.index = 0
        self.nesting = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def at(self, *values: str) -> bool:
        token = self.peek()
        return token.kind in {"op", "name"} and token.value in values

    def take(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    def fail(self, token: Token | None = None) -> ExpressionError:
        token = token or self.peek()
        if token.kind == "end":
            return ExpressionError(
                marked(
                    gettext_noop("the expression ends too early; something is missing at the end"),
                )
            )
        return ExpressionError(
            marked(
                gettext_noop("unexpected %(found)s at position %(position)s"),
                found=repr(token.value),
                position=token.position + 1,
            )
        )

    def expect(self, value: str) -> None:
        if not (self.peek().kind == "op" and self.peek().value == value):
            token = self.peek()
            raise ExpressionError(
                marked(
                    gettext_noop(
                        "expected '%(expected)s' at position %(position)s, found %(found)s"
                    ),
                    expected=value,
                    position=token.position + 1,
                    found=repr(token.value or "the end"),
                )
            )
        self.take()

    def check(self) -> None:
        if self.peek().kind == "end":
            raise ExpressionError(
                marked(
                    gettext_noop("the expression is empty"),
                )
            )
        self.expression()
        if self.peek().kind != "end":
            raise self.fail()

    def nested(self, close: str) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise _too_deep()
        self.expression()
        self.expect(close)
        self.nesting -= 1

    def expression(self) -> None:
        self.unary()
        while True:
            token = self.peek()
            is_operator = token.value in _XPATH_SYMBOLS and (
                token.kind == "name" if token.value.isalpha() else token.kind == "op"
            )
            if not is_operator:
                return
            self.take()
            self.unary()

    def unary(self) -> None:
        while self.at("-") and self.peek().kind == "op":
            self.take()
        self.path()
        while self.peek().kind == "op" and self.peek().value == "|":
            self.take()
            self.path()

    def starts_step(self) -> bool:
        token = self.peek()
        return (token.kind == "op" and token.value in {".", "..", "@", "*"}) or token.kind == "name"

    def path(self) -> None:
        token = self.peek()
        if token.kind == "op" and token.value in {"/", "//"}:
            self.take()
            if token.value == "//" or self.starts_step():
                self.relative_path()
            return
        if self.starts_filter():
            self.primary()
            while self.at("["):
                self.take()
                self.nested("]")
            if self.peek().kind == "op" and self.peek().value in {"/", "//"}:
                self.take()
                self.relative_path()
            return
        self.relative_path()

    def starts_filter(self) -> bool:
        token = self.peek()
        if token.kind in {"ref", "var", "number", "string"}:
            return True
        if token.kind == "op":
            return token.value == "("
        following = self.peek(1)
        return (
            token.kind == "name"
            and following.kind == "op"
            and following.value == "("
            and token.value not in _NODE_TYPES
        )

    def primary(self) -> None:
        token = self.take()
        if token.kind == "op":  # "("
            self.nested(")")
        elif token.kind == "name":  # a function call
            self.take()
            self.nesting += 1
            if self.nesting > MAX_DEPTH:
                raise _too_deep()
            if not self.at(")"):
                self.expression()
                while self.at(","):
                    self.take()
                    self.expression()
            self.expect(")")
            self.nesting -= 1

    def relative_path(self) -> None:
        self.step()
        while self.peek().kind == "op" and self.peek().value in {"/", "//"}:
            self.take()
            self.step()

    def step(self) -> None:
        token = self.take()
        if token.kind == "op" and token.value in {".", ".."}:
            return
        if token.kind == "name" and token.value in {"and", "or", "div", "mod"}:
            # XPath would read a path to an element called "and"; in a form it is a typo.
            raise ExpressionError(
                marked(
                    gettext_noop(
                        "'%(found)s' at position %(position)s has nothing before it; a value is missing"
                    ),
                    found=token.value,
                    position=token.position + 1,
                )
            )
        if token.kind == "op" and token.value == "@":
            token = self.take()
        elif token.kind == "name" and self.at("::"):
            self.take()
            token = self.take()
        if token.kind == "op" and token.value == "*":
            pass
        elif token.kind == "name" and token.value in _NODE_TYPES and self.at("("):
            self.take()
            if self.peek().kind == "string":
                self.take()
            self.expect(")")
        elif token.kind != "name":
            raise self.fail(token)
        while self.at("["):
            self.take()
            self.nested("]")


def check_xpath(text: str) -> None:
    """Raise ExpressionError unless `text` is a well-formed XPath expression within the limits."""
    try:
        _XPathChecker(text).check()
    except RecursionError:  # only when called with the stack already nearly full
        raise _too_deep() from None
