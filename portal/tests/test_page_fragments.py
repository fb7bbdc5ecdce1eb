"""The pieces list pages render in Python instead of through templates (portal_tags): the menu each
process renders once per language, roles and organisation; form fields as crispy-forms renders
them; the state badge. Same markup, same scoping as the templates they replace."""
import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.urls import reverse

from portal.templatetags.portal_tags import plain_field, state_badge
from tests.factories import OrganizationFactory, applicant, district_user

pytestmark = pytest.mark.django_db


def squeezed(html: str) -> str:
    """Markup without the whitespace crispy's templates leave between and inside tags."""
    return re.sub(r"\s*(<|>)\s*", r"\1", re.sub(r"\s+", " ", str(html))).strip()


def nav(client, page="dashboard") -> str:
    html = client.get(reverse(page)).content.decode()
    return html[html.index('<ul class="navbar-nav me-auto">'):html.index('<ul class="navbar-nav align-items-lg-center">')]


def test_each_applicant_sees_the_bank_account_link_of_its_own_organisation(client):
    first, second = applicant(), applicant(organization=OrganizationFactory())
    for user in (first, second, first):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        menu = nav(client)
        assert reverse("subsidies:bank_account", args=[user.organization_id]) in menu
        other = second if user == first else first
        assert reverse("subsidies:bank_account", args=[other.organization_id]) not in menu


def test_the_menu_follows_the_roles_and_the_language(client):
    client.force_login(district_user(), backend="django.contrib.auth.backends.ModelBackend")
    menu = nav(client)
    assert reverse("institutes:district_queue") in menu and "审核列表" in menu
    assert reverse("institutes:application_list") not in menu
    client.cookies["django_language"] = "en"
    assert "Review queue" in nav(client)
    client.force_login(applicant(), backend="django.contrib.auth.backends.ModelBackend")
    menu = nav(client)
    assert reverse("institutes:application_list") in menu and reverse("institutes:district_queue") not in menu


def test_an_anonymous_visitor_gets_no_menu(client):
    assert "nav-link" not in nav(client, "login")


class Sample(forms.Form):
    q = forms.CharField(label="Search <here>", required=False)
    year = forms.IntegerField(label="Year", min_value=1990, help_text="A <b>year</b>")
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    secret = forms.CharField(widget=forms.PasswordInput)
    rule = forms.ChoiceField(choices=[("", "(choose)"), ("Doc & co", [("a", "A <1>"), ("b", "B")]), ("c", "C")],
                             widget=forms.Select(attrs={"class": "wide"}))
    agree = forms.BooleanField(required=False)


@pytest.mark.parametrize("data", [None, {"q": "x\"<", "year": "abc", "rule": "a", "day": "2026-02-30"}, {"year": "2000"}])
@pytest.mark.parametrize("name", ["q", "year", "day", "secret", "rule", "agree"])
def test_plain_field_is_what_crispy_renders(data, name):
    """Label, required asterisk, widget classes, is-invalid, errors and help text, option groups,
    escaping: the same markup as `as_crispy_field` (checkboxes are crispy's own)."""
    assert squeezed(plain_field(Sample(data)[name])) == squeezed(as_crispy_field(Sample(data)[name]))


@pytest.mark.parametrize("state, css", [
    ("approved", "bg-success"), ("rejected", "bg-secondary"), ("withdrawn", "bg-secondary"),
    ("returned", "bg-warning text-dark"), ("revision_requested", "bg-warning text-dark"),
    ("draft", "bg-light text-dark border"), ("submitted", "bg-primary"),
])
def test_state_badge(state, css):
    assert state_badge(state, "<标签>") == f'<span class="badge {css}" data-state="{state}">&lt;标签&gt;</span>'
