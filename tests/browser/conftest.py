"""Fixtures for the Playwright browser tests: Debian's Chromium, one browser context per person,
numbered screenshots under artifacts/screenshots/<test-name>/, and the reference data (roles,
regions, programs) that a transactional test's flush wipes out.

Run only these tests with `pytest -m browser`; they need /usr/bin/chromium and no internet.
"""
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.reference_data import load_reference_data

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
# Never let Playwright fetch a browser of its own: the machine (and CI) is offline.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
# Playwright's sync API runs an event loop in the test thread, which trips Django's async-safety
# check on every ORM call the test makes. Only these tests drive a browser; the flag is set while
# they run (see `browser`) so the rest of the suite keeps the check.
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium); browser tests skipped"
)


@pytest.fixture(scope="module", autouse=True)
def _restore_reference_data_after_module(django_db_setup, django_db_blocker):
    """A transactional test ends with a flush that empties every table: put the reference data
    back after the last browser test, so a kept test database (--reuse-db) is as migrate left it."""
    yield
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed; browser tests skipped")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def new_page(browser, live_server):
    """new_page() -> a Page in a fresh context (its own cookies: one person per context), Chinese
    locale as on the intranet, base URL the live server."""
    contexts = []

    def make():
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request, new_page):
    """shot(page, "step") saves artifacts/screenshots/<test-name>/NN-step.png (full page)."""
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0, "pages": []}

    def take(page, step):
        counter["n"] += 1
        if page not in counter["pages"]:
            counter["pages"].append(page)
        slug = re.sub(r"[^\w.-]+", "-", step)
        path = folder / f"{counter['n']:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    take.folder = folder
    yield take
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for page in counter["pages"]:
            try:
                if not page.is_closed():
                    take(page, "failure")
            except Exception:  # the browser may be gone already; the failure itself is what matters
                pass


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
