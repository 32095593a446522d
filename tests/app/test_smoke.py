"""Every page runs without an exception, on an empty database and on the demo."""

import pytest

from tests.app.conftest import PAGES, open_page


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_an_empty_database(app_engine, page):
    at = open_page(page)
    assert not at.exception, at.exception


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_the_demo(app_engine, page):
    at = open_page()
    at.button(key="home_demo").click().run()
    assert not at.exception, at.exception
    if page != "app_pages/home.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
