"""The workshop kit: exercises, participants' workspaces, and the style contracts they meet.

- :mod:`kata.workshop.styles`: each style's import contracts, as templates for any package
  (the one source of the repository's ``.importlinter``, see :mod:`kata.workshop.contracts`).
- :mod:`kata.workshop.check`: ``kata check NAME --style STYLE``, a variant or workspace held to
  the contracts of any style.
- :mod:`kata.workshop.workspace`: ``kata exercise start``, a variant copied into ``workshop/``.
- :mod:`kata.workshop.exercises`: the exercises under ``exercises/NN-slug/``.
- :mod:`kata.workshop.verify`: every reference solution applied to a clean copy and tested.
- :mod:`kata.workshop.commands`: the ``kata check`` and ``kata exercise`` commands.
"""
