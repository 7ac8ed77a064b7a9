"""The search language of linkding's `q`, parsed into a tree.

    query    := or_expr
    or_expr  := and_expr ("or" and_expr)*
    and_expr := not_expr (["and"] not_expr)*      juxtaposition means "and"
    not_expr := "not" not_expr | primary
    primary  := "(" or_expr ")" | word | "quoted phrase" | 'quoted phrase' | #tag | !keyword

`and`, `or` and `not` are operators whatever their case; quote them to search for them.
Parentheses end a word (`(a or b)` needs no spaces). A query that does not parse raises
`SearchSyntaxError` with the 0-based position of the problem.
"""

from __future__ import annotations

from dataclasses import dataclass

OPERATORS = ("and", "or", "not")
MAX_DEPTH = 50  # nested parentheses and nots


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase: a case-insensitive substring of the searched text."""

    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Tag:
    name: str


@dataclass(frozen=True)
class Keyword:
    """`!unread`, `!untagged`; unknown keywords match everything (as in linkding)."""

    name: str


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


Node = Term | Tag | Keyword | Not | And | Or


class SearchSyntaxError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}.")
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # "(", ")", "and", "or", "not", "term", "phrase", "tag", "keyword"
    value: str
    position: int


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    i, length = 0, len(query)
    while i < length:
        char = query[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(Token(char, char, i))
            i += 1
        elif char in "\"'":
            end = query.find(char, i + 1)
            if end == -1:
                raise SearchSyntaxError(f"Unterminated quote {char}", i)
            tokens.append(Token("phrase", query[i + 1 : end], i))
            i = end + 1
        else:
            start = i
            while i < length and not query[i].isspace() and query[i] not in "()":
                i += 1
            word = query[start:i]
            if word.lower() in OPERATORS:
                tokens.append(Token(word.lower(), word, start))
            elif word.startswith("#") and len(word) > 1:
                tokens.append(Token("tag", word[1:], start))
            elif word.startswith("!") and len(word) > 1:
                tokens.append(Token("keyword", word[1:].lower(), start))
            else:
                tokens.append(Token("term", word, start))
    return tokens


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = tokenize(query)
        self.index = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.or_expr()
        token = self.peek()
        if token is not None:  # only a stray ")" can stop the loops early
            raise SearchSyntaxError(f"Unexpected {token.value!r}", token.position)
        return node

    def or_expr(self) -> Node:
        operands = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self) -> Node:
        operands = [self.not_expr()]
        while (token := self.peek()) is not None and token.kind not in ("or", ")"):
            if token.kind == "and":
                self.take()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def deeper(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SearchSyntaxError(f"Nested more than {MAX_DEPTH} deep", token.position)

    def not_expr(self) -> Node:
        token = self.peek()
        if token is not None and token.kind == "not":
            self.take()
            self.deeper(token)
            node = Not(self.not_expr())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise SearchSyntaxError("Unexpected end of query", len(self.query))
        self.take()
        if token.kind == "(":
            self.deeper(token)
            node = self.or_expr()
            self.depth -= 1
            closing = self.peek()
            if closing is None or closing.kind != ")":
                where = closing.position if closing else len(self.query)
                raise SearchSyntaxError(f"Missing ')' for the '(' at {token.position}", where)
            self.take()
            return node
        if token.kind == "term":
            return Term(token.value)
        if token.kind == "phrase":
            return Term(token.value, phrase=True)
        if token.kind == "tag":
            return Tag(token.value)
        if token.kind == "keyword":
            return Keyword(token.value)
        raise SearchSyntaxError(f"Unexpected {token.value!r}", token.position)


def parse(query: str) -> Node | None:
    """The tree of `query`, or None for an empty query (which matches everything)."""
    return _Parser(query).parse()
