"""Browser-test fixtures: the test app on a real loopback server, Debian's chromium
driven by Playwright, and an axe-core check.

Reusable by any browser test under tests/e2e:

* ``live_server`` – the base URL (``http://127.0.0.1:<port>``) of the test ``app``
  (tests/conftest.py), served by werkzeug in a daemon thread for one test.
* ``browser`` – one headless chromium for the whole run.
* ``page`` – a fresh context and page per test (1280x900, en-GB).
* ``new_page(**context_options)`` – more pages, e.g. ``new_page(java_script_enabled=False)``;
  each gets its own context (own cookies) and is closed after the test.
* ``axe_check(page, context="")`` – runs axe-core on the page and fails with the
  readable report if there is any violation. ``context`` is a description of the
  page for the failure message; ``selector`` limits the check to part of the page.

Every test collected from this folder is marked ``e2e``. Without /usr/bin/chromium
the tests are skipped, unless the CI environment variable is set: then they fail.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CONTEXT_OPTIONS = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}
# Short enough that a broken page fails fast; long enough for a loaded machine.
TIMEOUT_MS = 10_000

HERE = Path(__file__).resolve().parent


def _in_ci() -> bool:
    return "CI" in os.environ


def _is_e2e(item) -> bool:
    path = Path(str(getattr(item, "path", None) or item.fspath)).resolve()
    return HERE == path.parent or HERE in path.parents


def pytest_collection_modifyitems(config, items):
    # Hooks in a conftest see every collected item, not just this folder's.
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} is not installed"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:  # pragma: no cover - depends on the environment
            missing = "the playwright package is not installed"
    for item in items:
        if not _is_e2e(item):
            continue
        item.add_marker(pytest.mark.e2e)
        if missing and not _in_ci():
            item.add_marker(pytest.mark.skip(reason=f"browser tests need chromium: {missing}"))
    # With CI set, the ``browser`` fixture fails instead (see below).


# --- the server ---------------------------------------------------------------

@pytest.fixture
def live_server(app):
    """Serve the test app on 127.0.0.1 (a free port) for this test; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- the browser --------------------------------------------------------------

@pytest.fixture(scope="session")
def _playwright():
    if not Path(CHROMIUM).exists():
        message = f"browser tests need {CHROMIUM}"
        if _in_ci():
            pytest.fail(f"{message} (CI is set, so this is a failure, not a skip)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    """One headless chromium for the whole run."""
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a new context; keyword arguments override the context options."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(**{**CONTEXT_OPTIONS, **options})
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh context (1280x900, en-GB) for this test."""
    return new_page()


# --- accessibility ------------------------------------------------------------

_AXE = None


def run_axe(page, selector=None):
    """axe-core's results for the page (or the part ``selector`` picks), with its default
    rule set: WCAG 2.0/2.1/2.2 A and AA plus best practices (AAA and experimental rules off)."""
    global _AXE
    if _AXE is None:
        from axe_playwright_python.sync_playwright import Axe

        _AXE = Axe()
    return _AXE.run(page, context=selector) if selector else _AXE.run(page)


def check_accessibility(page, context: str = "", *, selector=None) -> None:
    results = run_axe(page, selector)
    where = context or page.url
    assert results.violations_count == 0, f"axe-core found problems on {where} ({page.url}):\n{results.generate_report()}"


@pytest.fixture
def axe_check():
    """``axe_check(page, context="")``: fail with axe-core's report if the page has any violation."""
    return check_accessibility
