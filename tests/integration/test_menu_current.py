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
    ("/account/password", "Password"),
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


def test_the_home_page_marks_no_section(user_client):
    assert current_links(user_client, "/") == []
