"""A small structural reader for the Bicep files in infra/ (no Bicep compiler installs here).

It reads what the tests check, not the whole language: declarations (param with decorators, var,
resource, module, output), their conditions and loops, object and array literals with the comments
in front of each array item, and function calls inside expressions (`list*` in particular).
Expressions stay token lists; object and array literals inside them (ternary branches, function
arguments, lambda bodies) are parsed, so both branches of `flex ? {...} : {...}` are visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# --- tokens ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # name | string | number | punct | newline | comment
    text: str
    line: int


_PUNCT = ("==", "!=", "<=", ">=", "&&", "||", "=>", "??", ".?", "{", "}", "[", "]", "(", ")", ",", ":",
          "=", "?", ".", "!", "<", ">", "+", "-", "*", "/", "%", "@")


def _string_end(source: str, start: int) -> int:
    """Index just past the single-quoted string starting at `start` (interpolations may nest strings)."""
    if source.startswith("'''", start):
        end = source.index("'''", start + 3)
        return end + 3
    i = start + 1
    depth = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if depth == 0 and char == "'":
            return i + 1
        if source.startswith("${", i):
            depth += 1
            i += 2
            continue
        if depth and char == "'":
            i = _string_end(source, i)
            continue
        if depth and char == "}":
            depth -= 1
        i += 1
    raise ValueError(f"unterminated string at offset {start}")


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i, line = 0, 1
    while i < len(source):
        char = source[i]
        if char == "\n":
            tokens.append(Token("newline", "\n", line))
            line += 1
            i += 1
        elif char in " \t\r":
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            end = len(source) if end < 0 else end
            tokens.append(Token("comment", source[i + 2:end].strip(), line))
            i = end
        elif source.startswith("/*", i):
            end = source.index("*/", i) + 2
            line += source.count("\n", i, end)
            i = end
        elif char == "'":
            end = _string_end(source, i)
            text = source[i:end]
            tokens.append(Token("string", text, line))
            line += text.count("\n")
            i = end
        elif char.isalpha() or char == "_":
            match = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(source, i)
            assert match
            tokens.append(Token("name", match.group(), line))
            i = match.end()
        elif char.isdigit():
            match = re.compile(r"\d+(\.\d+)?").match(source, i)
            assert match
            tokens.append(Token("number", match.group(), line))
            i = match.end()
        else:
            for punct in _PUNCT:
                if source.startswith(punct, i):
                    tokens.append(Token("punct", punct, line))
                    i += len(punct)
                    break
            else:
                raise ValueError(f"unexpected character {char!r} on line {line}")
    return tokens


def string_value(token_text: str) -> str:
    """The text of a Bicep string literal (interpolations left as written)."""
    if token_text.startswith("'''"):
        return token_text[3:-3]
    return token_text[1:-1].replace("\\'", "'").replace("\\\\", "\\")


# --- values ----------------------------------------------------------------------------------------


@dataclass
class Obj:
    entries: dict[str, Expr]
    line: int


@dataclass
class Item:
    value: Expr
    comments: list[str]


@dataclass
class Arr:
    items: list[Item]
    line: int


@dataclass
class Group:
    """A parenthesised part of an expression (function arguments, conditions)."""

    parts: list  # of Token | Obj | Arr | Group


@dataclass
class Expr:
    parts: list  # of Token | Obj | Arr | Group

    def text(self) -> str:
        return " ".join(_text(part) for part in self.parts)

    def literal(self) -> str | None:
        """The value when the expression is one plain string literal, else None."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Token) and self.parts[0].kind == "string":
            return string_value(self.parts[0].text)
        return None

    def objects(self, variables: dict[str, Expr] | None = None) -> list[Obj]:
        """Object literals the expression may evaluate to (every branch of a ternary, `union` arguments,
        variables holding literals)."""
        found: list[Obj] = []
        for part in self.parts:
            if isinstance(part, Obj):
                found.append(part)
            elif isinstance(part, Group):
                found.extend(Expr(part.parts).objects(variables))
            elif isinstance(part, Token) and part.kind == "name" and variables and part.text in variables:
                found.extend(variables[part.text].objects(variables))
        return found

    def calls(self) -> list[str]:
        """Names of the functions called anywhere in the expression (methods included)."""
        return _calls(self.parts)


def _text(part) -> str:
    if isinstance(part, Token):
        return part.text
    if isinstance(part, Group):
        return "(" + " ".join(_text(p) for p in part.parts) + ")"
    if isinstance(part, Obj):
        return "{" + ", ".join(f"{k}: {v.text()}" for k, v in part.entries.items()) + "}"
    return "[" + ", ".join(item.value.text() for item in part.items) + "]"


def _calls(parts: list) -> list[str]:
    names: list[str] = []
    for index, part in enumerate(parts):
        if isinstance(part, Group):
            previous = parts[index - 1] if index else None
            if isinstance(previous, Token) and previous.kind == "name":
                names.append(previous.text)
            names.extend(_calls(part.parts))
        elif isinstance(part, Obj):
            for value in part.entries.values():
                names.extend(value.calls())
        elif isinstance(part, Arr):
            for item in part.items:
                names.extend(item.value.calls())
        elif isinstance(part, Token) and part.kind == "string" and "${" in part.text:
            names.extend(_calls(_interpolations(part.text)))
    return names


def _interpolations(string_token: str) -> list:
    """The expressions inside `${...}` of a string literal, parsed."""
    parts: list = []
    body = string_token[1:-1]
    i = 0
    while True:
        start = body.find("${", i)
        if start < 0:
            return parts
        depth, j = 1, start + 2
        while depth:
            if body[j] == "'":
                j = _string_end(body, j)
                continue
            depth += {"{": 1, "}": -1}.get(body[j], 0)
            j += 1
        inner = Parser(tokenize(body[start + 2:j - 1]))
        parts.append(Group(inner.expression(stop=())))
        i = j


# --- declarations -----------------------------------------------------------------------------------


@dataclass
class Decorator:
    name: str
    args: Expr


@dataclass
class Param:
    name: str
    type: str
    default: Expr | None
    decorators: dict[str, Decorator]
    line: int


@dataclass
class Declaration:
    """A resource or a module."""

    keyword: str  # resource | module
    symbol: str
    target: str  # 'Type@apiVersion' for a resource, the path for a module
    existing: bool
    condition: str | None  # the text inside `if (...)`, or None
    loop: str | None  # the text of `for ... in ...`, or None
    body: Obj
    comments: list[str]
    line: int

    @property
    def type(self) -> str:
        return self.target.split("@")[0]

    @property
    def api_version(self) -> str:
        return self.target.split("@")[1]


@dataclass
class BicepFile:
    path: Path
    target_scope: str
    params: dict[str, Param] = field(default_factory=dict)
    variables: dict[str, Expr] = field(default_factory=dict)
    resources: dict[str, Declaration] = field(default_factory=dict)
    modules: dict[str, Declaration] = field(default_factory=dict)
    outputs: dict[str, Expr] = field(default_factory=dict)

    @property
    def declarations(self) -> list[Declaration]:
        return [*self.resources.values(), *self.modules.values()]


# --- parser -----------------------------------------------------------------------------------------


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self, skip_comments: bool = True) -> Token | None:
        pos = self.pos
        while pos < len(self.tokens) and skip_comments and self.tokens[pos].kind == "comment":
            pos += 1
        return self.tokens[pos] if pos < len(self.tokens) else None

    def next(self) -> Token:
        while self.tokens[self.pos].kind == "comment":
            self.pos += 1
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.next()
        if token.text != text:
            raise ValueError(f"line {token.line}: expected {text!r}, got {token.text!r}")
        return token

    def skip_newlines(self) -> list[str]:
        """Skip blank lines; return the comments passed on the way."""
        comments: list[str] = []
        while self.pos < len(self.tokens) and self.tokens[self.pos].kind in ("newline", "comment"):
            if self.tokens[self.pos].kind == "comment":
                comments.append(self.tokens[self.pos].text)
            self.pos += 1
        return comments

    def expression(self, stop: tuple[str, ...] = ("\n",)) -> list:
        """Parts up to a newline (or `stop`) at this nesting level; brackets are parsed recursively."""
        parts: list = []
        while True:
            token = self.peek()
            if token is None:
                return parts
            if token.kind == "newline" and "\n" in stop:
                return parts
            if token.kind == "newline":
                self.next()
                continue
            if token.text in stop or token.text in ("}", "]", ")", ","):
                return parts
            if token.text == "{":
                parts.append(self.object())
            elif token.text == "[":
                parts.append(self.array())
            elif token.text == "(":
                parts.append(self.group())
            else:
                parts.append(self.next())

    def group(self) -> Group:
        self.expect("(")
        inner: list = []
        while True:
            inner += self.expression(stop=())
            token = self.next()
            if token.text == ")":
                return Group(inner)
            if token.text != ",":
                raise ValueError(f"line {token.line}: expected ',' or ')', got {token.text!r}")
            inner.append(token)

    def object(self) -> Obj:
        start = self.expect("{")
        entries: dict[str, Expr] = {}
        while True:
            self.skip_newlines()
            token = self.next()
            if token.text == "}":
                return Obj(entries, start.line)
            if token.text == ",":
                continue
            key = string_value(token.text) if token.kind == "string" else token.text
            self.expect(":")
            entries[key] = Expr(self.expression(stop=("\n", ",")))

    def array(self) -> Arr:
        start = self.expect("[")
        items: list[Item] = []
        while True:
            comments = self.skip_newlines()
            token = self.peek()
            if token is None:
                raise ValueError(f"line {start.line}: unterminated array")
            if token.text == "]":
                self.next()
                return Arr(items, start.line)
            if token.text == ",":
                self.next()
                continue
            items.append(Item(Expr(self.expression(stop=("\n", ","))), comments))


def _condition_and_body(parser: Parser) -> tuple[str | None, str | None, Obj]:
    """After `=`: `{...}`, `if (c) {...}`, or `[for x in y: [if (c)] {...}]`."""
    loop = None
    looped = parser.peek().text == "["
    if looped:
        parser.expect("[")
        parser.expect("for")
        loop = Expr(parser.expression(stop=(":",))).text()
        parser.expect(":")
    condition = None
    if parser.peek().text == "if":
        parser.next()
        condition = Expr(parser.group().parts).text()
    body = parser.object()
    if looped:
        parser.skip_newlines()
        parser.expect("]")
    return condition, loop, body


def parse(path: Path) -> BicepFile:
    parser = Parser(tokenize(path.read_text()))
    result = BicepFile(path, target_scope="resourceGroup")
    decorators: dict[str, Decorator] = {}
    comments: list[str] = []
    while True:
        comments += parser.skip_newlines()
        token = parser.peek()
        if token is None:
            return result
        parser.next()
        if token.text == "@":
            name = parser.next().text
            decorators[name] = Decorator(name, Expr(parser.group().parts))
            continue
        keyword = token.text
        if keyword == "targetScope":
            parser.expect("=")
            result.target_scope = Expr(parser.expression()).literal() or ""
        elif keyword == "param":
            name = parser.next().text
            type_ = parser.next().text
            default = None
            if parser.peek().text == "=":
                parser.next()
                default = Expr(parser.expression())
            result.params[name] = Param(name, type_, default, decorators, token.line)
        elif keyword == "var":
            name = parser.next().text
            parser.expect("=")
            result.variables[name] = Expr(parser.expression())
        elif keyword in ("resource", "module"):
            symbol = parser.next().text
            target = string_value(parser.next().text)
            existing = parser.peek().text == "existing"
            if existing:
                parser.next()
            parser.expect("=")
            condition, loop, body = _condition_and_body(parser)
            declaration = Declaration(keyword, symbol, target, existing, condition, loop, body, comments, token.line)
            (result.resources if keyword == "resource" else result.modules)[symbol] = declaration
        elif keyword == "output":
            name = parser.next().text
            parser.next()  # type
            parser.expect("=")
            result.outputs[name] = Expr(parser.expression())
        elif keyword == "using":
            parser.expression()
        else:
            raise ValueError(f"{path}:{token.line}: unexpected {keyword!r}")
        decorators, comments = {}, []


def parse_all(directory: Path) -> dict[str, BicepFile]:
    """Every .bicep file under `directory`, by path relative to it ('main.bicep', 'modules/x.bicep')."""
    return {p.relative_to(directory).as_posix(): parse(p) for p in sorted(directory.rglob("*.bicep"))}


# --- walking ----------------------------------------------------------------------------------------


def key_paths(obj: Obj, prefix: str = "", variables: dict[str, Expr] | None = None) -> list[tuple[str, str]]:
    """(parent path, key) of every key written in an object literal, nested literals included.

    Array items are under `<path>[]`; every branch of a ternary and every function argument is walked;
    a variable is followed where it stands for the value itself (alone, in a ternary, in `union`).
    """
    found: list[tuple[str, str]] = []
    for key, value in obj.entries.items():
        found.append((prefix, key))
        path = f"{prefix}.{key}" if prefix else key
        found.extend(_parts_paths(value.parts, path, variables or {}, follow=True))
    return found


def _parts_paths(parts: list, path: str, variables: dict[str, Expr], follow: bool) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for index, part in enumerate(parts):
        previous = parts[index - 1] if index else None
        if isinstance(part, Obj):
            found.extend(key_paths(part, path, variables))
        elif isinstance(part, Arr):
            for item in part.items:
                found.extend(_parts_paths(item.value.parts, path + "[]", variables, follow=True))
        elif isinstance(part, Group):
            called = previous.text if isinstance(previous, Token) and previous.kind == "name" else None
            found.extend(_parts_paths(part.parts, path, variables, follow=follow and called in (None, "union")))
        elif follow and isinstance(part, Token) and part.kind == "name" and part.text in variables and not (
                isinstance(previous, Token) and previous.text == "."):
            found.extend(_parts_paths(variables[part.text].parts, path, variables, follow=True))
    return found
