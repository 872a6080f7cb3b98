"""Checking and rendering templates in Jinja's sandbox, with an allow-list of placeholders.

A template may only print placeholders (`{{ document.number }}`) and choose with
`{% if %}`/`{% else %}` (the defaults need none: see `greeting` and `values`); anything else
(loops, include, import, filters, calls, attributes outside the list) is refused when the
template is saved, with the line it is on, in words for people who only use it. A template
too long or too deeply nested is refused before Jinja reads it (see `limits`), and a
RecursionError from Jinja is still caught as a last net: a person's template never gives a 500.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.exceptions import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from webpanel.mailtemplates import limits
from webpanel.mailtemplates.values import PLACEHOLDERS

ALLOWED = {tuple(name.split(".")) for name in PLACEHOLDERS}
#: Nodes a template may contain besides placeholders.
PLAIN_NODES = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.Not,
               nodes.And, nodes.Or)
HINT = "Use the Insert buttons for the placeholders available."
#: Said when a tag is not closed or otherwise unreadable.
UNREADABLE = ("Check that every {{ has its }} (and every {% if … %} its {% endif %}). "
              + HINT)
#: Spaces and tabs at the end of a line (left by a placeholder that came out empty).
TRAILING = re.compile(r"[ \t]+$", re.M)
#: How many different templates stay compiled (each text a person saved or typed, a few KB).
COMPILED_KEPT = 256


TOO_DEEP = (f"This template is nested too deeply: blocks, brackets and operators together "
            f"may go up to {limits.MAX_DEPTH} levels deep. Split long conditions or close "
            "blocks sooner.")
#: Python's own limits on the code Jinja writes; with `limits` checked first, never expected.
TOO_DEEP_FOR_PYTHON = (RecursionError, MemoryError, SyntaxError)


class TemplateProblem(ValueError):
    """A template that cannot be used; `line` is where the problem is, `summary` says what is
    wrong in a few words for people who only use the template."""

    def __init__(self, message: str, line: int | None, summary: str = "it has an error") -> None:
        super().__init__(f"Line {line}: {message}" if line else message)
        self.line, self.summary = line, summary


def environment() -> SandboxedEnvironment:
    """A sandbox with no loader (nothing to include), strict undefined and no autoescape."""
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                               keep_trailing_newline=True)
    env.filters.clear()
    env.tests.clear()
    env.globals.clear()
    return env


def check(source: str) -> None:
    """Refuse a template that is too long or deep, does not parse, or uses anything beyond the
    allow-list."""
    env = environment()
    try:
        within_limits(source, env)
        tree = env.parse(source)
        _check_tree(tree)
    except TemplateSyntaxError as error:
        raise TemplateProblem(_syntax_message(error), error.lineno) from None
    except TOO_DEEP_FOR_PYTHON:
        raise TemplateProblem(TOO_DEEP, None, "it is nested too deeply") from None


def within_limits(source: str, env: SandboxedEnvironment) -> None:
    """Refuse a template nested deeper than limits.MAX_DEPTH or longer than limits.MAX_CHARS,
    counting on tokens before anything recurses over it. Depth is said first, even in a text
    too long (only its first MAX_CHARS are read), so one correction is enough."""
    head = source[:limits.MAX_CHARS]
    try:
        depth, line = limits.nesting(head, env.lex)
    except TemplateSyntaxError:
        if head == source:
            raise
        depth, line = 0, None  # cut in the middle of a tag: the length is the problem
    if depth > limits.MAX_DEPTH:
        raise TemplateProblem(TOO_DEEP, line, "it is nested too deeply")
    if len(source) > limits.MAX_CHARS:
        raise TemplateProblem(f"This template is {len(source):,} characters long; up to "
                              f"{limits.MAX_CHARS:,} are allowed.", None, "it is too long")


def _check_tree(tree: nodes.Template) -> None:
    owned = {id(node.node) for node in tree.find_all(nodes.Getattr)}
    for node in tree.find_all(nodes.Node):
        if not (isinstance(node, nodes.Name) and id(node) in owned):
            _check_node(node)


def _check_node(node: nodes.Node) -> None:
    if isinstance(node, PLAIN_NODES):
        return
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        if (node.node.name, node.attr) in ALLOWED:
            return
        raise TemplateProblem(unknown(f"{node.node.name}.{node.attr}"), node.lineno)
    if isinstance(node, nodes.Name):
        raise TemplateProblem(unknown(node.name), node.lineno)
    raise TemplateProblem(f"{_describe(node)} is not allowed here. " + HINT, node.lineno)


def unknown(name: str) -> str:
    """What the editor says of a placeholder that does not exist, with the nearest one."""
    near = difflib.get_close_matches(name, PLACEHOLDERS, n=1, cutoff=0.75)
    guess = f" Did you mean {{{{ {near[0]} }}}}?" if near else ""
    return f"Unknown placeholder “{name}”.{guess} Use the Insert buttons for the ones available."


def _describe(node: nodes.Node) -> str:
    if isinstance(node, nodes.Getattr):
        return f"“….{node.attr}”"
    return {"For": "A loop", "Include": "{% include %}", "Import": "{% import %}",
            "FromImport": "{% from … import %}", "Extends": "{% extends %}",
            "Filter": "A filter", "Call": "A call", "Const": "A literal value",
            "Macro": "A macro", "Assign": "{% set %}", "Getitem": "Indexing with [ ]",
            }.get(type(node).__name__, f"“{type(node).__name__}”")


def _syntax_message(error: TemplateSyntaxError) -> str:
    return f"The template cannot be read ({error.message}). " + UNREADABLE


@lru_cache(maxsize=COMPILED_KEPT)
def compiled(source: str) -> Template:
    """A checked template, compiled once per process however many emails and pages use it
    (a problem is raised each time: only good templates are kept)."""
    check(source)
    try:
        return environment().from_string(source)
    except TemplateError as error:
        raise TemplateProblem(f"The template could not be read ({error}).", None) from None
    except TOO_DEEP_FOR_PYTHON:
        raise TemplateProblem(TOO_DEEP, None, "it is nested too deeply") from None


def render(source: str, values: dict) -> str:
    """Render a checked template with the given values (raises TemplateProblem, never more)."""
    template = compiled(source)
    try:
        text = template.render(values)
    except TemplateError as error:
        raise TemplateProblem(f"The template could not be filled in ({error}).", None) from None
    except TOO_DEEP_FOR_PYTHON:
        raise TemplateProblem(TOO_DEEP, None, "it is nested too deeply") from None
    return TRAILING.sub("", text)
