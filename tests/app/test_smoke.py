"""Every page runs without an exception, on an empty database and on the demo."""

import pytest

from tests.app.conftest import PAGES, open_page


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_an_empty_database(app_engine, page):
    at = open_page(page)
    assert not at.exception, at.exception
