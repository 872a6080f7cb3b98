"""The Greeting field: kept as the body's first line, split off for the editor and put back."""

from __future__ import annotations

import pytest

from webpanel.mailtemplates.greeting import CHOICES, GREETINGS, NONE, join, lines, split
from webpanel.mailtemplates.values import PLACEHOLDERS


@pytest.mark.parametrize("key", [*GREETINGS, NONE])
@pytest.mark.parametrize("rest", ["Thank you.", "Hi {{ contact.name }}\n\nKind regards,", ""])
def test_a_greeting_and_body_come_back_as_they_were_saved(key, rest):
    assert split(join(key, rest)) == (key, rest)


@pytest.mark.parametrize("body", [
    "{{ greeting.dear }} Thanks for your order.",  # the placeholder inside a line of text
    "Hello,\n\n{{ greeting.dear }}\n\nThanks.",  # not the first line
    "{% if contact.person %}Dear {{ contact.person }},{% else %}Hello,{% endif %}\n\nThanks.",
    "{{ greeting.yo }}\n\nThanks.",
])
def test_a_body_that_does_not_start_with_a_greeting_line_is_kept_whole(body):
    assert split(body) == (NONE, body)


def test_a_greeting_line_written_by_hand_is_read_as_the_choice():
    assert split("  {{greeting.hello}}  \r\n\r\n\nThanks.") == ("hello", "Thanks.")


def test_each_greeting_reads_well_with_and_without_a_contact_person():
    assert lines("  Zoë   Müller ") == {"dear": "Dear Zoë Müller,", "hello": "Hello Zoë Müller,"}
    assert lines("") == {"dear": "Dear Sir or Madam,", "hello": "Hello,"}


def test_every_greeting_is_a_placeholder_and_a_choice():
    assert {f"greeting.{key}" for key in GREETINGS} <= set(PLACEHOLDERS)
    assert [key for key, _ in CHOICES] == [*GREETINGS, NONE]
