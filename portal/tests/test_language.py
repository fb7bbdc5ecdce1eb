"""Chinese is the default language; the English switch in the header changes the next page."""
import pytest
from django.urls import reverse

from tests.factories import applicant

pytestmark = pytest.mark.django_db


def test_pages_are_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()


def test_an_english_browser_still_gets_chinese_until_the_switch_is_used(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_english_switch_makes_the_next_page_english(client):
    login_page = reverse("login")
    switched = client.post(reverse("set_language"), {"language": "en", "next": login_page})
    assert switched.status_code == 302
    assert switched["Location"] == login_page

    response = client.get(login_page)
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_switching_back_to_chinese(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get(reverse("login")).content.decode()


def test_the_choice_follows_a_logged_in_user_through_the_portal(as_user):
    client = as_user(applicant())
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("institutes:application_list"))
    assert '<html lang="en">' in page.content.decode()
    assert 'data-testid="lang-zh"' in page.content.decode()  # the switch now offers Chinese


def test_the_header_offers_the_english_switch_on_a_chinese_page(client):
    page = client.get(reverse("login")).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert 'data-testid="lang-en"' in page


def test_the_words_on_the_page_follow_the_language(client):
    from django.utils import translation

    with translation.override("zh-hans"):
        chinese = translation.gettext("Register your organisation")
    assert chinese in client.get(reverse("login")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Register your organisation" in client.get(reverse("login")).content.decode()
