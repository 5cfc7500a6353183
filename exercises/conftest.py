"""Exercise tests run like the shared suite: one case per ``--variant`` (a variant or a
workspace) and database, talking HTTP through the ``shop`` fixture.

The fixtures and the parametrization are the shared suite's own, imported rather than
copied: pytest finds fixtures and hooks by name in a conftest module.
"""

from tests.acceptance.conftest import (
    apps,
    driver,
    event_marks,
    live_servers,
    pytest_generate_tests,
    shop,
)

__all__ = ["apps", "driver", "event_marks", "live_servers", "pytest_generate_tests", "shop"]
