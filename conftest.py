"""The repository-wide pytest plugins: ``--exercise NN`` (see tests/workshop/plugin.py), and
the watch that fails any case run on event_sourced that rewrote its log
(tests/event_sourced/append_only.py).

They live at the root so that pytest loads them whatever the arguments, before it parses them.
"""

pytest_plugins = ["tests.workshop.plugin", "tests.event_sourced.append_only"]
