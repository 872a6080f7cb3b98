"""How long and how deeply nested a template may be, measured before Jinja parses it.

Jinja's parser and compiler recurse at least once per level of nesting, and Python's own
compiler refuses more than 200 nested brackets or 100 indented blocks in the code Jinja
writes. Measured on this stack (Jinja 3.1, Python 3.11): 70 nested brackets or 100 nested
{% if %} blocks already fail in the main thread, and in a worker thread with a 128 KB stack
about 90 chained `not` crash the whole process instead of raising RecursionError. So the
levels are counted on Jinja's tokens (its lexer is a loop, not a recursion) and a template
deeper than MAX_DEPTH never reaches the parser. No real email template comes near 20 levels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: Longest subject or body, in characters (the body field's own limit).
MAX_CHARS = 20_000
#: Deepest nesting of blocks, brackets and operators together.
MAX_DEPTH = 20
#: What the editor says beside the fields.
TEXT = (f"Up to {MAX_CHARS:,} characters; {{% if %}} blocks, brackets and operators "
        f"(not, and, or, -) nested up to {MAX_DEPTH} deep.")

BLOCKS = frozenset({"if", "for", "macro", "call", "filter", "block", "with", "autoescape",
                    "set", "trans"})
OPENING, CLOSING = frozenset("([{"), frozenset(")]}")
#: Operators that list or assign (a flat node), so they do not deepen the tree.
FLAT = frozenset({",", ":", "="})
KEYWORDS = frozenset({"not", "and", "or", "in", "is", "if", "else"})

Tokens = Callable[[str], Iterable[tuple[int, str, str]]]


class _Counter:
    """Open blocks, and inside the current tag its open brackets and every operator so far.

    A chain of operators (`a and b and c`, `not not x`, `a.b.c`) is one level deeper per
    operator in Jinja's tree, so their count over-estimates no depth: blocks + brackets +
    operators is an upper bound of how deep the parser and the compiler will go.
    """

    def __init__(self) -> None:
        self.blocks = self.brackets = self.operators = 0
        self.in_block = False
        self.statement: str | None = None

    @property
    def depth(self) -> int:
        return self.blocks + self.brackets + self.operators

    def take(self, kind: str, value: str) -> None:
        if kind in ("block_begin", "variable_begin"):
            self.brackets = self.operators = 0
            self.in_block, self.statement = kind == "block_begin", None
        elif kind == "name" and self.in_block and self.statement is None:
            self._statement(value)
        elif kind == "name" and value in KEYWORDS:
            self.operators += 1
        elif kind == "operator":
            self._operator(value)

    def _statement(self, name: str) -> None:
        self.statement = name
        if name in BLOCKS:
            self.blocks += 1
        elif name.startswith("end"):
            self.blocks = max(self.blocks - 1, 0)

    def _operator(self, sign: str) -> None:
        if sign in OPENING:
            self.brackets += 1
        elif sign in CLOSING:
            self.brackets = max(self.brackets - 1, 0)
        elif sign == "=" and self.statement == "set" and self.brackets == 0:
            self.blocks = max(self.blocks - 1, 0)  # `{% set x = … %}` opens no block
        elif sign not in FLAT:
            self.operators += 1


def nesting(source: str, tokens: Tokens) -> tuple[int, int]:
    """The deepest level of `source` and its line, stopping at the first level past MAX_DEPTH.

    `tokens` is Jinja's lexer (`Environment.lex`); a lexer error (an unexpected bracket)
    propagates as the TemplateSyntaxError it is.
    """
    counter, deepest = _Counter(), (0, 1)
    for line, kind, value in tokens(source):
        counter.take(kind, value)
        if counter.depth > deepest[0]:
            deepest = (counter.depth, line)
            if deepest[0] > MAX_DEPTH:
                break
    return deepest
