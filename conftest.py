"""The repository-wide pytest plugin: ``--exercise NN`` (see tests/workshop/plugin.py).

It lives at the root so that pytest loads it whatever the arguments, before it parses them.
"""

pytest_plugins = ["tests.workshop.plugin"]
