"""The main menu says where one is: the current section's link carries aria-current="page"."""

from __future__ import annotations

import re

import pytest

from tests.support.documents import add_contact

NAV = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.S)
CURRENT = re.compile(r'<a href="[^"]*" aria-current="page">([^<]*)</a>')


def current_links(client, path: str) -> list[str]:
    """The menu links marked current on the page at `path`."""
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200, path
    return CURRENT.findall(NAV.search(response.get_data(as_text=True)).group(1))


@pytest.mark.parametrize(("path", "link"), [
    ("/documents/", "Documents"),
    ("/documents/invoices/", "Documents"),
    ("/documents/invoices/new", "Documents"),
    ("/customers/", "Customers"),
    ("/vendors/new", "Vendors"),
    ("/company/", "Company"),
    ("/email-templates/invoices/", "Email templates"),
    ("/integrations/", "Integrations"),
    ("/users/", "Users"),
    ("/sent", "Sent mail"),
    ("/", "Home"),
])
def test_the_current_section_is_marked(admin_client, path, link):
    assert current_links(admin_client, path) == [link]


def test_ones_own_email_tab_is_email_settings_and_a_colleagues_is_users(admin_client, admin_id,
                                                                        user_id):
    assert current_links(admin_client, f"/users/{admin_id}/email/smtp") == ["Email settings"]
    assert current_links(admin_client, f"/users/{user_id}/email/general") == ["Users"]


def test_a_contacts_edit_page_marks_its_group(app, user_client):
    vendor = add_contact(app, "Paper Mill", kind="vendor")
    assert current_links(user_client, f"/vendors/{vendor}/edit") == ["Vendors"]


MENU = re.compile(r'<a href="[^"]*"(?: aria-current="page")?>([^<]*)</a>|<summary[^>]*>([^<]*)<')


def menu_entries(client, path: str = "/") -> list[str]:
    """The main menu's entries in order: links, and the Office menu's summary."""
    nav = NAV.search(client.get(path).get_data(as_text=True)).group(1)
    return [link or summary for link, summary in MENU.findall(nav)]


def test_the_menu_leads_with_home_and_folds_the_office_pages_for_administrators(
        admin_client, user_client):
    everyone = ["Home", "Documents", "Customers", "Vendors", "Sent mail", "Email settings"]
    assert menu_entries(user_client) == everyone
    assert menu_entries(admin_client) == [*everyone, "Office", "Company", "Email templates",
                                          "Payment reminders", "Integrations", "Users"]


def test_the_office_menu_is_marked_on_its_pages_only(admin_client):
    def office_marked(path: str) -> bool:
        html = admin_client.get(path).get_data(as_text=True)
        return '<summary aria-current="true">Office</summary>' in html
    assert office_marked("/company/") and office_marked("/users/")
    assert office_marked("/reminders/")
    assert not office_marked("/documents/") and not office_marked("/")


def test_the_password_page_marks_the_account_link_not_a_menu_section(user_client):
    html = user_client.get("/account/password").get_data(as_text=True)
    assert current_links(user_client, "/account/password") == []
    assert re.search(r'<a href="/account/password" aria-current="page">Password</a>', html)
