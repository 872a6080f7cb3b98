"""End-to-end fixtures: the panel started the way the README does, and Debian's Chromium."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest
from playwright.sync_api import Page, expect

from tests.emulators import GoogleEmulator, MicrosoftEmulator
from tests.support.oauth_fixtures import (
    GOOGLE_ID,
    GOOGLE_SECRET,
    MICROSOFT_ID,
    MICROSOFT_SECRET,
    endpoint_config,
)
from tests.support.smtpd import free_port
from webpanel import create_app
from webpanel.contacts.models import Contact
from webpanel.documents import services as documents
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.settings.models import ImapSettings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ADMIN_EMAIL = "boss@example.com"
ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, with nothing that reaches out to the network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"],
    }


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the panel stopped while starting:\n{log.read_text()[-3000:]}")
        try:
            with urlopen(url, timeout=2):
                return
        except (URLError, TimeoutError):  # refused, or accepted while workers still boot
            time.sleep(0.2)
    raise RuntimeError(f"the panel did not start in {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def google_stand_in():
    """Google's OAuth and Gmail API for the whole browser session."""
    with GoogleEmulator(GOOGLE_ID, GOOGLE_SECRET, default_email=ADMIN_EMAIL) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def microsoft_stand_in():
    """Microsoft's identity platform and Graph for the whole browser session."""
    with MicrosoftEmulator(MICROSOFT_ID, MICROSOFT_SECRET, default_email=ADMIN_EMAIL) as emulator:
        yield emulator


def write_instance_config(instance: Path, google, microsoft) -> None:
    """The instance config an office would write, pointing the panel at the stand-ins; one
    attempt per send, so a failure shows at once (the automatic retry has its own tests)."""
    settings = {**endpoint_config(google, microsoft), "SEND_ATTEMPTS": 1}
    lines = [f"{key} = {value!r}" for key, value in settings.items()]
    (instance / "config.py").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="session")
def instance(tmp_path_factory):
    """The e2e panel's instance folder (database, keys, config)."""
    return tmp_path_factory.mktemp("e2e-instance")


@pytest.fixture(scope="session")
def panel(instance, test_ca, google_stand_in, microsoft_stand_in):
    """`make run` on a free port with its own instance folder; stopped after the session."""
    write_instance_config(instance, google_stand_in, microsoft_stand_in)
    with served_panel(instance, test_ca, WEBPANEL_MAIL_TIMEOUT="3") as url:
        yield url


#: What `make test` passes to its runs; `make run` must not inherit them (its output would be
#: held back until it ends).
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")


@contextmanager
def served_panel(instance: Path, test_ca, **env: str) -> Iterator[str]:
    """`make run` on a free port with `instance`; its URL; stopped (process group) afterwards."""
    port = free_port()
    log = instance / "server.log"
    outer = {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES}  # as typed alone
    env = {**outer, "WEBPANEL_INSTANCE": str(instance), "HOST": "127.0.0.1",
           "PORT": str(port), "SSL_CERT_FILE": str(test_ca.ca_file), **env}
    with log.open("w") as out:
        process = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{url}/login", process, log)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)


@pytest.fixture(scope="session")
def first_admin(panel, browser):
    """Create the first administrator through the first-run page, once per session."""
    page = browser.new_page()
    page.goto(panel)
    expect(page.get_by_role("heading", name="Create the first administrator")).to_be_visible()
    page.get_by_label("Company name").fill("Northwind Studio LLC")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_label("Password again").fill(ADMIN_PASSWORD)
    page.get_by_label("Load sample data").check()
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Your email")).to_be_visible()  # the home page
    page.close()
    return ADMIN_EMAIL


def open_office_page(page: Page, name: str) -> None:
    """Open `name` (Company, Email templates, Integrations, Users) from the Office menu."""
    page.get_by_role("navigation", name="Main").get_by_text("Office", exact=True).click()
    page.get_by_role("link", name=name, exact=True).click()


def sign_in(page: Page, panel: str, password: str = ADMIN_PASSWORD) -> None:
    page.goto(f"{panel}/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def use_smtp(page: Page, panel: str, port: int, method: str = "SMTP Server") -> None:
    """Save General (name, address) and SMTP (the local server on `port`) through the tabs."""
    page.goto(f"{panel}/users/1/email/general")
    page.get_by_label("Email Display Name").fill("Boss Person")
    page.get_by_label("Email Address").fill(ADMIN_EMAIL)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.get_by_role("tab", name="SMTP").click()
    page.get_by_role("radio", name=method).check()
    page.get_by_role("textbox", name="SMTP Server").fill("127.0.0.1")
    page.get_by_label("NONE", exact=True).check()
    page.get_by_label("Port").fill(str(port))
    page.get_by_label("User Name").fill("user")
    page.get_by_label("Password").fill("secret")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()


def open_document(page: Page, panel: str, number: str) -> None:
    """Documents → the kind's list → the document's page."""
    page.goto(panel)
    page.get_by_role("link", name="Documents", exact=True).click()
    kind = {"INV": "Invoices", "P": "Proposals", "SO": "Sales Orders", "PO": "Purchase Orders"}
    page.get_by_role("link", name=kind[number.split("-")[0]], exact=True).first.click()
    page.goto(f"{page.url.split('?')[0]}?q={number}")  # other tests add documents: search it
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_role("heading", name=number)).to_be_visible()
    # htmx wires the page's buttons once the document has loaded: a click before that opens
    # the Email page instead of the dialog these tests look for (test_issue11_gaps_e2e.py)
    page.wait_for_load_state("load")


HOSTILE_NAME = ('<script>alert(1)</script><img src=x onerror="alert(2)"> '
                '<b hx-get="/logout">Evil</b>')


def panel_app(instance: Path):
    """The served panel's app, on its instance folder and database, for a test to read or set up."""
    previous = os.environ.get("WEBPANEL_INSTANCE")
    os.environ["WEBPANEL_INSTANCE"] = str(instance)
    try:
        return create_app()
    finally:
        if previous is None:
            os.environ.pop("WEBPANEL_INSTANCE")
        else:
            os.environ["WEBPANEL_INSTANCE"] = previous


@pytest.fixture(scope="session")
def hostile_invoice(panel, instance, first_admin) -> int:
    """An invoice for a customer whose name, notes and items are hostile HTML."""
    app = panel_app(instance)
    with app.app_context():
        contact = Contact(kind="customer", name=HOSTILE_NAME, contact_person=HOSTILE_NAME,
                          email="evil@example.org", address="<iframe src=javascript:alert(3)>")
        document = Document(kind="invoice", contact=contact, date=datetime.date.today(),
                            tax_rate=Decimal("0"), notes="<script>alert(4)</script>")
        db.session.add(contact)
        documents.set_items(document, [('<a href="javascript:alert(5)">item</a>', Decimal(1),
                                        Decimal(10))])
        documents.number_document(document)
        db.session.commit()
        document_id = document.id
    app.extensions["webpanel.engine"].dispose()
    return document_id


@pytest.fixture(scope="module")
def signed_in_state(panel, first_admin, browser, tmp_path_factory) -> Path:
    """The administrator's sign-in (cookies), for new browser contexts of any size."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, panel)
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()
    path = tmp_path_factory.mktemp("signed-in") / "state.json"
    context.storage_state(path=path)
    context.close()
    return path


@pytest.fixture(scope="module")
def sample_urls(panel, browser, signed_in_state) -> dict[str, str]:
    """Paths of sample pages: INV-0001, a new customer's edit and delete pages, and a message in
    Sent mail (a draft handed to the email client, so no mail server is needed)."""
    context = browser.new_context(storage_state=signed_in_state, accept_downloads=True)
    page = context.new_page()
    use_smtp(page, panel, free_port(), method="Email Client")
    page.goto(f"{panel}/documents/invoices/?q=INV-0001")  # other tests add many invoices
    page.get_by_role("link", name="INV-0001", exact=True).click()
    expect(page.get_by_role("heading", name="INV-0001")).to_be_visible()
    page.wait_for_load_state("load")  # htmx wires the Email button (see open_document)
    invoice = page.url.removeprefix(panel)
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog")
    with page.expect_download():
        dialog.get_by_role("button", name="Download draft").click()
    message = dialog.get_by_role("link", name="Open in Sent mail").get_attribute("href")
    page.goto(f"{panel}/customers/new")
    page.get_by_label("Name", exact=True).fill("Nothing Sent Yet Ltd")  # so it can be deleted
    page.get_by_role("button", name="Add customer").click()
    expect(page.get_by_text("Added Nothing Sent Yet Ltd.")).to_be_visible()
    page.goto(f"{panel}/customers/?q=Nothing+Sent+Yet")
    row = page.get_by_role("row").filter(has_text="Nothing Sent Yet Ltd").first
    urls = {"invoice": invoice, "message": message,
            "customer_edit": row.get_by_role("link").nth(1).get_attribute("href"),
            "customer_delete": row.get_by_role("link").nth(2).get_attribute("href")}
    context.close()
    return urls


@pytest.fixture(scope="module")
def empty_panel(tmp_path_factory, test_ca, google_stand_in, microsoft_stand_in):
    """A second panel, started like the first, with no account yet: it opens on the setup page."""
    instance = tmp_path_factory.mktemp("e2e-empty-instance")
    write_instance_config(instance, google_stand_in, microsoft_stand_in)
    with served_panel(instance, test_ca) as url:
        yield url


#: Each API tab's sign-in button and way of sending.
API_TABS = {"Gmail": ("Sign In With Google", "Gmail API"), "Outlook": ("Sign in to Outlook",
                                                                   "Outlook API")}


def configure_integrations(page: Page, panel: str) -> None:
    """Save both app registrations on the Integrations page."""
    open_office_page(page, "Integrations")
    page.get_by_label("Google client ID").fill(GOOGLE_ID)
    page.get_by_label("Google client secret").fill(GOOGLE_SECRET)
    page.get_by_label("Microsoft application (client) ID").fill(MICROSOFT_ID)
    page.get_by_label("Microsoft client secret").fill(MICROSOFT_SECRET)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    assert GOOGLE_SECRET not in page.content()


def sign_in_and_choose(page: Page, panel: str, tab: str) -> None:
    """Sign in on the tab through the stand-in's consent page, then choose its API."""
    button, method = API_TABS[tab]
    page.goto(f"{panel}/users/1/email/general")
    page.get_by_label("Email Address").fill("boss@example.com")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("tab", name=tab).click()
    expect(page.locator(f'.tab-body[data-tab="{tab.lower()}"]')).to_be_visible()
    if page.get_by_role("button", name=button).count():  # an earlier test may have signed in
        page.get_by_role("button", name=button).click()
        page.get_by_role("button", name="Allow").click()
        expect(page.get_by_text("Signed in as boss@example.com")).to_be_visible()
    expect(page.get_by_role("button", name=f"De-Authorize {tab}")).to_be_visible()
    page.get_by_role("tab", name="SMTP").click()
    page.get_by_role("radio", name=method).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()


def switch_off_imap(app) -> None:
    """The administrator's Sent folder copy off again (other tests share the panel)."""
    with app.app_context():
        row = db.session.get(ImapSettings, 1)
        if row is not None:
            row.enabled = False
            db.session.commit()
    app.extensions["webpanel.engine"].dispose()
