"""Infrastructure: tables, a hand-written data mapper per aggregate, the outbox, and the
SQL unit of work. It depends on the domain and implements the application's ports."""
