"""The Time zone choice on a 390 px phone: still one real <select> with the zones grouped by
region, reached and changed with the keyboard alone, and within the screen's width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.screens import fits_the_width, reachable_without_sideways_scroll, sized_page

pytestmark = pytest.mark.e2e

NEXT_OPTION = """select => {
  const options = Array.from(select.options);
  return options[options.indexOf(select.selectedOptions[0]) + 1].value;
}"""


def test_the_time_zone_is_chosen_by_keyboard_on_a_phone(browser, panel, signed_in_state):
    with sized_page(browser, "phone", signed_in_state) as page:
        page.goto(f"{panel}/users/1/email/general")
        zone = page.get_by_label("Time zone")
        expect(zone.locator("optgroup[label='Europe'] option[value='Europe/Paris']")
               ).to_have_text("Paris")
        expect(zone.locator("optgroup").first).to_have_attribute("label", "Africa")
        expect(zone.locator("option").first).to_have_text("UTC")
        page.get_by_label("Reply-To").focus()
        page.keyboard.press("Tab")
        expect(zone).to_be_focused()
        following = zone.evaluate(NEXT_OPTION)
        page.keyboard.press("ArrowDown")
        expect(zone).to_have_value(following)  # the next zone, across a region's edge too
        reachable_without_sideways_scroll(zone)
        fits_the_width(page, "phone")
