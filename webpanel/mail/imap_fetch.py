"""FETCH answers as data: imaplib hands them over as lines and (line, literal) pairs, and
leaves the parsing to its caller. Anything malformed is a ``BadAnswer``, never another error,
whatever the server sends (the bounce scan reads answers about strangers' mail).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

LITERAL = re.compile(rb"\{[0-9]+\+?\}\s*$")
MAX_DEPTH = 8  # FETCH items nest two or three deep (BODYSTRUCTURE, ENVELOPE)
ORIGIN = re.compile(r"<[0-9]*>$")  # BODY[2]<0>: the partial's origin
WORD = re.compile(rb'(\()|(\))|"((?:[^"\\]|\\.)*)"|([^\s()"\[]+(?:\[[^\]]*\][^\s()"]*)?)')


class BadAnswer(ValueError):
    """A FETCH answer that could not be read; its text names the part."""


def fetch_items(data: list) -> list[dict[str, object]]:
    """A FETCH answer (imaplib's data: lines and (line, literal) pairs) as one dict per
    message, e.g. ``{"UID": "7", "RFC822.SIZE": "1121", "BODY[2]": b"..."}``: atoms as str,
    strings as bytes, NIL as None, lists as lists; anything else is a BadAnswer."""
    nested = _nest(_tokens(data), depth=0)
    items = []
    for position in range(0, len(nested), 2):
        pairs = nested[position + 1] if position + 1 < len(nested) else None
        if not isinstance(pairs, list) or len(pairs) % 2 or not all(
                isinstance(name, str) for name in pairs[::2]):
            raise BadAnswer("FETCH")
        items.append({ORIGIN.sub("", name.upper()): value
                      for name, value in zip(pairs[::2], pairs[1::2], strict=True)})
    return items


_OPEN, _CLOSE = object(), object()


def _tokens(data: list) -> Iterator[object]:
    """The answer's words: _OPEN, _CLOSE, atoms (str), strings and literals (bytes)."""
    for piece in data:
        line, literal = _split(piece)
        if line is None:
            continue
        if literal is not None:
            line = LITERAL.sub(b"", line)
        for match in WORD.finditer(line):
            opening, closing, quoted, atom = match.groups()
            if opening or closing:
                yield _OPEN if opening else _CLOSE
            elif quoted is not None:
                yield re.sub(rb"\\(.)", rb"\1", quoted)
            elif atom:
                yield None if atom.upper() == b"NIL" else atom.decode("ascii", "replace")
        if literal is not None:
            yield bytes(literal)


def _split(piece: object) -> tuple[bytes | None, bytes | None]:
    """(line, literal) of one piece of imaplib's data (None: nothing there)."""
    if not isinstance(piece, tuple):
        return (piece if isinstance(piece, bytes) else None), None
    if len(piece) != 2 or not all(isinstance(part, bytes) for part in piece):
        raise BadAnswer("FETCH")
    return piece[0], piece[1]


def _nest(tokens: Iterator[object], depth: int) -> list:
    """Parenthesised lists as nested lists; unbalanced or too deep ones are a BadAnswer."""
    if depth > MAX_DEPTH:
        raise BadAnswer("FETCH")
    out: list = []
    for token in tokens:
        if token is _OPEN:
            out.append(_nest(tokens, depth + 1))
        elif token is _CLOSE:
            if depth == 0:
                raise BadAnswer("FETCH")
            return out
        else:
            out.append(token)
    if depth:
        raise BadAnswer("FETCH")
    return out
