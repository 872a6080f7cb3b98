"""Every page a person reaches, at a phone's size and a laptop's, for the layout and
accessibility checks (tests/e2e/test_responsive_e2e.py, tests/e2e/test_accessibility_e2e.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


@dataclass(frozen=True)
class Screen:
    """A page, where it is ({name} parts come from the sample_urls fixture), and its main action."""

    name: str
    path: str
    role: str
    label: str
    signed_in: bool = True

    def url(self, panel: str, urls: dict[str, str]) -> str:
        return panel + self.path.format(**urls)

    def main_action(self, page: Page) -> Locator:
        return page.get_by_role(self.role, name=self.label, exact=True).first


SCREENS = [
    Screen("home", "/", "link", "New invoice"),
    Screen("email-general", "/users/1/email/general", "button", "Save"),
    Screen("email-smtp", "/users/1/email/smtp", "button", "Send Test"),
    Screen("email-gmail", "/users/1/email/gmail", "heading", "Gmail"),
    Screen("email-outlook", "/users/1/email/outlook", "heading", "Outlook"),
    Screen("company", "/company/", "button", "Save"),
    Screen("customers", "/customers/", "link", "Add a customer"),
    Screen("customer-new", "/customers/new", "button", "Add customer"),
    Screen("customer-edit", "{customer_edit}", "button", "Save"),
    Screen("customer-delete", "{customer_delete}", "button", "Delete customer"),
    Screen("vendors", "/vendors/", "link", "Add a vendor"),
    Screen("proposals", "/documents/proposals/", "link", "New proposal"),
    Screen("sales-orders", "/documents/sales-orders/", "link", "New sales order"),
    Screen("invoices", "/documents/invoices/", "link", "New invoice"),
    Screen("purchase-orders", "/documents/purchase-orders/", "link", "New purchase order"),
    Screen("invoice", "{invoice}", "button", "Email"),
    Screen("invoice-email-page", "{invoice}/email", "heading", "Email Invoice INV-0001"),
    Screen("invoice-edit", "{invoice}/edit", "button", "Save"),
    Screen("invoice-new", "/documents/invoices/new", "button", "Save"),
    Screen("invoice-delete", "{invoice}/delete", "button", "Delete invoice"),
    Screen("sent-mail", "/sent", "button", "Search"),
    Screen("sent-preview", "{message}", "link", "Download the message (.eml)"),
    Screen("users", "/users/", "button", "Add user"),
    Screen("integrations", "/integrations/", "button", "Save"),
    Screen("email-templates", "/email-templates/", "button", "Save"),
    Screen("email-templates-po", "/email-templates/purchase-orders/", "button", "Save"),
    Screen("email-templates-reminder", "/email-templates/reminder-2/", "button", "Save"),
    Screen("payment-reminders", "/reminders/", "button", "Save plan"),
    Screen("password", "/account/password", "button", "Change password"),
    Screen("sign-in", "/login", "button", "Sign in", signed_in=False),
]


@contextmanager
def sized_page(browser: Browser, size: str, state: Path | None = None,
               javascript: bool = True) -> Iterator[Page]:
    """A page in its own context of that size; the CSP is bypassed only so axe can be injected."""
    context = browser.new_context(viewport=SIZES[size], storage_state=state, bypass_csp=True,
                                  java_script_enabled=javascript)
    try:
        yield context.new_page()
    finally:
        context.close()


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.2 A/AA and best-practice violations on the page as it is now."""
    page.add_script_tag(path=AXE)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           AXE_TAGS)
    return [f"{v['id']} ({v['help']}): " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
            for v in result["violations"]]


SMALL_TARGETS = """() => {
  const controls = 'button, a.button, [role=tab], nav a, .row-actions a, input[type=file], select, '
    + 'textarea, input[type=text], input[type=email], input[type=password], input[type=search], '
    + 'input[type=number], input[type=date]';
  const small = (r) => r.width < 24 || r.height < 24;
  const name = (el) => el.tagName.toLowerCase() + ' "' + (el.textContent || el.name || '').trim()
    .replace(/\\s+/g, ' ').slice(0, 40) + '"';
  const found = [];
  document.querySelectorAll(controls).forEach((el) => {
    if (el.checkVisibility() && small(el.getBoundingClientRect())) found.push(name(el));
  });
  // A checkbox or radio counts with its label, which toggles it too.
  document.querySelectorAll('input[type=checkbox], input[type=radio]').forEach((box) => {
    if (!box.checkVisibility()) return;
    const rects = [box, ...box.labels].map((el) => el.getBoundingClientRect());
    const edge = (side, pick) => pick(...rects.map((r) => r[side]));
    const width = edge('right', Math.max) - edge('left', Math.min);
    const height = edge('bottom', Math.max) - edge('top', Math.min);
    if (small({width, height})) found.push(name(box.labels[0] || box));
  });
  return found;
}"""


def small_targets(page: Page) -> list[str]:
    """Visible controls smaller than 24 x 24 CSS px (WCAG 2.2, 2.5.8 Target Size)."""
    return page.evaluate(SMALL_TARGETS)


def fits_the_width(page: Page, size: str) -> None:
    """Nothing on the page reaches past the viewport's width: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") == SIZES[size]["width"]


def reachable_without_sideways_scroll(action: Locator) -> None:
    """The action scrolls into view vertically and is then wholly on screen, page not shifted.
    Scrolled to the middle of the screen (a scroll to the nearest edge can leave it a fraction
    of a pixel out, depending on where the page's height happens to end)."""
    action.evaluate("element => element.scrollIntoView({block: 'center', inline: 'nearest'})")
    expect(action).to_be_in_viewport(ratio=1)
    assert action.page.evaluate("window.scrollX") == 0


def open_compose(page: Page, panel: str, invoice: str) -> Locator:
    """The Email dialog of the invoice at `invoice` (a path), open with its form shown."""
    page.goto(panel + invoice)
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("^Email Invoice"))
    expect(dialog.get_by_label("Subject")).to_be_visible()
    return dialog


def tab_to(page: Page, target: Locator, most: int = 12) -> None:
    """Press Tab until `target` has the focus (it must come within `most` presses)."""
    for _ in range(most):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(target).to_be_focused()
