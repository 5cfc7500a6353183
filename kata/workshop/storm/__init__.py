"""``kata storm``: the ordering domain as an event-storming board, drawn from the code.

- :mod:`kata.workshop.storm.sources`: what the documents say (docs/openapi.yaml,
  docs/domain.md), each word with the line it was read from.
- :mod:`kata.workshop.storm.code`: what each variant's code says, read with ``ast`` (routes,
  the lines that raise events, calls, rule markers); no variant is imported or started.
- :mod:`kata.workshop.storm.collect`: the board, sticky by sticky, from those two.
- :mod:`kata.workshop.storm.text` and :mod:`kata.workshop.storm.html`: the board for a
  terminal (80 columns) and for a projector or an A3 sheet (one file, no script, no network).
"""
