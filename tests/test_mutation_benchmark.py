"""The mutation benchmark's pure parts: reading mutmut's results, the equivalents, the score.

No mutmut run here (minutes of CPU): these cases feed the functions what mutmut writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import mutation
from kata import variants

ORDERS = "kata.transaction_script.services.orders"


def test_exit_codes_fold_into_the_report_buckets() -> None:
    codes = {
        f"{ORDERS}.x_cancel__mutmut_{n}": code
        for n, code in enumerate((1, 3, 0, 5, 33, 36, -24, 35, None))
    }

    found = mutation.statuses(codes, {})

    assert list(found.values()) == [
        mutation.KILLED,
        mutation.KILLED,
        mutation.SURVIVED,
        mutation.NOT_REACHED,
        mutation.NOT_REACHED,
        mutation.TIMEOUT,
        mutation.TIMEOUT,
        mutation.OTHER,
        mutation.OTHER,
    ]


def test_a_kill_reached_through_an_escaped_test_id_is_counted_apart() -> None:
    escaped = "tests/acceptance/test_bad_input.py::test_query[orders?limit=\\uff15]"
    plain = "tests/acceptance/test_pricing.py::test_total[transaction_script-sqlite]"
    codes = {
        f"{ORDERS}.x_cancel__mutmut_1": 1,
        f"{ORDERS}.x_ship__mutmut_1": 1,
        f"{ORDERS}.x_ship__mutmut_2": 0,
    }
    tests = {f"{ORDERS}.x_cancel": [plain, escaped], f"{ORDERS}.x_ship": [plain, escaped]}

    found = mutation.statuses(codes, tests)

    assert found[f"{ORDERS}.x_cancel__mutmut_1"] == mutation.KILLED_UNRUN
    assert found[f"{ORDERS}.x_ship__mutmut_2"] == mutation.SURVIVED  # a survivor did run
    assert mutation.statuses({f"{ORDERS}.x_ship__mutmut_1": 1}, {f"{ORDERS}.x_ship": [plain]}) == {
        f"{ORDERS}.x_ship__mutmut_1": mutation.KILLED
    }


def test_the_mutant_number_is_stripped_to_find_its_function() -> None:
    assert mutation.function_of(f"{ORDERS}.x_place_order__mutmut_12") == f"{ORDERS}.x_place_order"


EQUIVALENTS = f"""
[[equivalent]]
variant = "transaction_script"
reason = "the default is the same value; the second is declared, but the suite kills it"
mutants = ["{ORDERS}.x_cancel__mutmut_2", "{ORDERS}.x_cancel__mutmut_1"]

[[equivalent]]
variant = "domain_model"
reason = "another variant's"
mutants = ["kata.domain_model.domain.order.xǁOrderǁcancel__mutmut_1"]
"""


def test_only_declared_survivors_of_the_variant_become_equivalent_and_stale_entries_are_named() -> (
    None
):
    found = {
        f"{ORDERS}.x_cancel__mutmut_1": mutation.KILLED,
        f"{ORDERS}.x_cancel__mutmut_2": mutation.SURVIVED,
    }

    stale = mutation.apply_equivalents(
        found, mutation.load_equivalents(EQUIVALENTS, "transaction_script")
    )

    assert found == {
        f"{ORDERS}.x_cancel__mutmut_1": mutation.KILLED,
        f"{ORDERS}.x_cancel__mutmut_2": mutation.EQUIVALENT,
    }
    assert stale == [f"{ORDERS}.x_cancel__mutmut_1"]


def test_a_declared_mutant_no_test_reaches_is_equivalent_too() -> None:
    # The default of a Protocol method: no code ever runs it, so no test could reach it.
    found = {
        f"{ORDERS}.x_cancel__mutmut_1": mutation.NOT_REACHED,
        f"{ORDERS}.x_cancel__mutmut_2": mutation.NOT_REACHED,
    }

    stale = mutation.apply_equivalents(
        found, mutation.load_equivalents(EQUIVALENTS, "transaction_script")
    )

    assert set(found.values()) == {mutation.EQUIVALENT}
    assert stale == []


def test_an_equivalent_without_a_reason_is_refused() -> None:
    entry = (
        f'[[equivalent]]\nvariant = "transaction_script"\nmutants = ["{ORDERS}.x_a__mutmut_1"]\n'
    )
    entry += 'reason = " "\n'

    with pytest.raises(ValueError, match="give no reason"):
        mutation.load_equivalents(entry, "transaction_script")


def test_the_repository_equivalents_file_reads() -> None:
    for variant in mutation.BUSINESS_CODE:
        mutation.load_equivalents(mutation.EQUIVALENTS.read_text(), variant)


def test_the_repository_equivalents_file_is_in_the_form_pruning_keeps() -> None:
    # Entries apart by one blank line, mutants last in each: else --prune would garble it.
    text = mutation.EQUIVALENTS.read_text()
    for variant in mutation.BUSINESS_CODE:
        declared = mutation.load_equivalents(text, variant)
        assert mutation.pruned(text, variant, []) == text
        first_of_each = {e.reason: e.mutant for e in reversed(declared)}.values()

        found = mutation.load_equivalents(mutation.pruned(text, variant, first_of_each), variant)

        assert found == [e for e in declared if e.mutant not in first_of_each]


def test_pruning_refuses_an_entry_it_would_rewrite_wrongly() -> None:
    entry = '[[equivalent]]\nvariant = "x"\nmutants = ["m.a__mutmut_1", "m.a__mutmut_2"]\n'
    entry += 'reason = "its reason after its mutants"\n'

    with pytest.raises(ValueError, match="mutants must come last"):
        mutation.pruned(entry, "x", ["m.a__mutmut_1"])


def test_the_score_is_killed_over_all_and_over_the_non_equivalent() -> None:
    counts = dict.fromkeys(mutation.BUCKETS, 0) | {
        mutation.KILLED: 6,
        mutation.SURVIVED: 2,
        mutation.EQUIVALENT: 2,
    }

    assert mutation.scores(counts) == {"killed_of_all": 60.0, "killed_of_non_equivalent": 75.0}
    assert mutation.scores(dict.fromkeys(mutation.BUCKETS, 0)) == {
        "killed_of_all": 0.0,
        "killed_of_non_equivalent": 0.0,
    }


SHOWN = """\
# kata.transaction_script.services.orders.x_require_status__mutmut_3: survived
--- kata/transaction_script/services/orders.py
+++ kata/transaction_script/services/orders.py
@@ -1,5 +1,5 @@
 def require_status(order: Order, action: str, *allowed: str) -> None:
     if order.status not in allowed:
-        raise InvalidState(order.id, action, order.status)
+        raise InvalidState(None, action, order.status)
"""


def test_a_survivor_is_located_at_its_changed_line_within_its_function() -> None:
    assert mutation.describe_diff(SHOWN) == (
        3,
        "raise InvalidState(order.id, action, order.status)"
        "  ->  raise InvalidState(None, action, order.status)",
    )


def test_decorated_functions_are_listed_except_a_lone_staticmethod_or_classmethod() -> None:
    source = (
        "@script\ndef place(): ...\n"
        "def helper(): ...\n"
        "class A:\n"
        "    @staticmethod\n    def s(): ...\n"
        "    @property\n    def p(): ...\n"
    )

    assert mutation.decorated_functions(source) == ["place:2", "p:8"]


def test_decorated_functions_are_decorated_by_assignment_to_the_same_effect() -> None:
    source = (
        "import functools\n"
        "calls = []\n"
        "def twice(f):\n"
        "    return lambda *a: f(*a) * 2\n"
        "def record(name):\n"
        "    def apply(f):\n"
        "        calls.append(name)\n"
        "        return f\n"
        "    return apply\n"
        "@record('outer')\n"
        "@twice\n"
        "@record(\n"
        "    'inner'\n"
        ")\n"
        "def area(side):\n"
        "    return side * side\n"
        "class Shop:\n"
        "    @staticmethod\n"
        "    def kept(): return 1\n"
        "    @property\n"
        "    def name(self):\n"
        "        return 'kata'\n"
        "    @functools.cache\n"
        "    async def later(self): ...\n"
    )
    rewritten = mutation.undecorated(source)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    exec(compile(source, "before", "exec"), before)
    exec(compile(rewritten, "after", "exec"), after)

    assert mutation.decorated_functions(rewritten) == []
    assert "    @staticmethod\n" in rewritten  # mutmut mutates those as they are
    assert after["area"](3) == before["area"](3) == 18
    assert after["calls"] == before["calls"] == ["inner", "outer"]
    assert after["Shop"]().name == "kata"
    assert after["Shop"].kept() == 1


def test_an_imported_decorator_called_at_import_is_named_in_its_own_module() -> None:
    source = (
        "from kata.shop.services.transaction import script\n"
        "from ..data import rows as table_rows\n"
        "from . import local\n"
        "def place(): ...\n"
        "place = script(place)\n"
    )
    imported = mutation.imported_functions(source, "kata.shop.services.orders")

    assert imported == {
        "script": "kata.shop.services.transaction",
        "table_rows": "kata.shop.data",
        "local": "kata.shop.services",
    }
    assert "x_script" in mutation.called_at_import(source)


def test_a_survivor_in_an_undecorated_function_is_located_in_the_original_file(
    tmp_path: Path,
) -> None:
    body = "    if order.status not in ALLOWED:\n        raise Bad(order)\n"
    original = f"import x\n\n\n@script\n@logged\ndef require(order):\n{body}"
    records = tmp_path / "kata" / "transaction_script" / "records.py"
    records.parent.mkdir(parents=True)
    records.write_text(original)
    mutation.undecorate(tmp_path, "transaction_script")
    mutated = body.replace("not in", "in")
    copy = f"def x_require__mutmut_orig(order):\n{body}def x_require__mutmut_1(order):\n{mutated}"
    (tmp_path / "mutants" / records.parent.relative_to(tmp_path)).mkdir(parents=True)
    (tmp_path / "mutants" / records.relative_to(tmp_path)).write_text(copy)

    survivor = mutation._survivor(tmp_path, "kata.transaction_script.records.x_require__mutmut_1")

    assert records.read_text().startswith("import x\n\n\ndef require(order):")
    assert survivor.location == "kata/transaction_script/records.py:7"


@pytest.mark.parametrize("variant", sorted(mutation.BUSINESS_CODE))
def test_each_variant_names_existing_business_code_but_not_its_presentation(
    variant: str,
) -> None:
    files = mutation.business_files(variants.REPO_ROOT, variant)

    assert files
    assert all(path.exists() for path in files)
    assert not any("presentation" in path.parts or "http" in path.parts for path in files)
    assert set(mutation.BUSINESS_CODE) == set(variants.names())


def test_functions_are_found_under_mutmut_s_mangled_names() -> None:
    source = "def place():\n    pass\n\nclass Order:\n    def cancel(self):\n        pass\n"

    assert mutation.function_lines(source) == {"x_place": 1, "xǁOrderǁcancel": 5}


def test_survivors_of_functions_called_while_importing_are_counted_apart() -> None:
    source = (
        "def _reserving(n): ...\n"
        "def reserve(): return _RESERVING[1]\n"
        "_RESERVING = {n: _reserving(n) for n in range(1, 3)}\n"
    )
    module = "kata.transaction_script.data.products"
    found = {
        f"{module}.x__reserving__mutmut_1": mutation.SURVIVED,
        f"{module}.x__reserving__mutmut_2": mutation.KILLED,
        f"{module}.x_reserve__mutmut_1": mutation.SURVIVED,
    }

    mutation.mark_import_time(
        found, {f"{module}.{name}" for name in mutation.called_at_import(source)}
    )

    assert found == {
        f"{module}.x__reserving__mutmut_1": mutation.IMPORT_TIME,
        f"{module}.x__reserving__mutmut_2": mutation.KILLED,
        f"{module}.x_reserve__mutmut_1": mutation.SURVIVED,
    }


def test_helpers_named_only_by_functions_called_while_importing_are_import_time_too() -> None:
    source = (
        "def _part(n): ...\n"
        "def _shared(n): ...\n"
        "def _in_a_method(n): ...\n"
        "def _listener(): ...\n"
        "def _statement(n): return _part(n) + _shared(n) + _in_a_method(n)\n"
        "def reserve(n): return _STATEMENTS[n] + _shared(n)\n"
        "class Store:\n    def run(self): return _in_a_method(1)\n"
        "_STATEMENTS = {n: _statement(n) for n in range(1, 3)}\n"
        "HOOKS = [_listener]\n"
    )

    found = mutation.called_at_import(source)

    assert {"x__statement", "x__part"} <= found
    assert not found & {"x__shared", "x__in_a_method", "x_reserve", "x__listener"}


def test_a_survivor_is_read_from_mutmut_s_copy_against_the_original_function(
    tmp_path: Path,
) -> None:
    body = "    if order.status not in ALLOWED:\n        raise Bad(order)\n"
    original = f"import x\n\n\ndef require(order):\n{body}"
    mutated = body.replace("not in", "in")
    copy = f"def x_require__mutmut_orig(order):\n{body}def x_require__mutmut_1(order):\n{mutated}"
    (tmp_path / "kata").mkdir()
    (tmp_path / "kata" / "rules.py").write_text(original)
    (tmp_path / "mutants" / "kata").mkdir(parents=True)
    (tmp_path / "mutants" / "kata" / "rules.py").write_text(copy)

    survivor = mutation._survivor(tmp_path, "kata.rules.x_require__mutmut_1")

    assert survivor.location == "kata/rules.py:5"
    assert survivor.mutation == "if order.status not in ALLOWED:  ->  if order.status in ALLOWED:"


def test_the_suite_runs_on_the_chosen_database_only_and_in_a_zone_far_from_utc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KATA_TEST_POSTGRES_URL", "postgresql://elsewhere/other")
    monkeypatch.setenv("TZ", "UTC")

    on_sqlite = mutation.suite_environment(None)
    on_postgres = mutation.suite_environment("postgresql://here/test")

    assert "KATA_TEST_POSTGRES_URL" not in on_sqlite
    assert on_postgres["KATA_TEST_POSTGRES_URL"] == "postgresql://here/test"
    assert on_sqlite["TZ"] == on_postgres["TZ"] == mutation.SUITE_TIME_ZONE != "UTC"


def test_runs_on_two_databases_read_together_kill_what_either_killed() -> None:
    def mutant(n: int) -> str:
        return f"{ORDERS}.x_cancel__mutmut_{n}"

    on_sqlite = {
        mutant(1): mutation.KILLED,  # killed on one, survived on the other: killed
        mutant(2): mutation.SURVIVED,  # survived on one, not reached on the other: a gap
        mutant(3): mutation.NOT_REACHED,  # reached by neither
        mutant(4): mutation.NOT_REACHED,  # PostgreSQL only, killed there
        mutant(5): mutation.TIMEOUT,
    }
    on_postgres = {
        mutant(1): mutation.SURVIVED,
        mutant(2): mutation.NOT_REACHED,
        mutant(3): mutation.NOT_REACHED,
        mutant(4): mutation.KILLED,
        mutant(5): mutation.SURVIVED,  # a survival outranks a timeout: it is a sure gap
    }

    for runs in ([on_sqlite, on_postgres], [on_postgres, on_sqlite]):
        assert mutation.merged(runs) == {
            mutant(1): mutation.KILLED,
            mutant(2): mutation.SURVIVED,
            mutant(3): mutation.NOT_REACHED,
            mutant(4): mutation.KILLED,
            mutant(5): mutation.SURVIVED,
        }


def test_a_kept_copy_names_the_database_it_ran_on_and_a_copy_without_a_name_is_refused(
    tmp_path: Path,
) -> None:
    (tmp_path / mutation.DATABASE_MARK).write_text("PostgreSQL\n")

    assert mutation._marked_database(tmp_path) == "PostgreSQL"
    with pytest.raises(SystemExit, match=mutation.DATABASE_MARK):
        mutation._marked_database(tmp_path / "elsewhere")


def _recorded(survivors: list[str]) -> dict[str, Any]:
    counts = dict.fromkeys(mutation.BUCKETS, 0) | {
        mutation.KILLED: 6,
        mutation.SURVIVED: len(survivors),
        mutation.EQUIVALENT: 2,
    }
    return {
        "variant": "domain_model",
        "database": "SQLite",
        "counts": counts,
        "score": mutation.scores(counts),
        "decorated_not_mutated": [],
        "stale_equivalents": [],
        "survivors": [
            {"mutant": m, "location": "x.py:1", "mutation": "a  ->  b"} for m in survivors
        ],
    }


def test_a_recheck_counts_killed_what_the_other_database_killed_and_keeps_the_rest() -> None:
    figures = _recorded(["m.lost_a_race__mutmut_1", "m.engine__mutmut_2"])

    found = mutation.rechecked(
        figures, {"m.lost_a_race__mutmut_1"}, "PostgreSQL", ["m.e__mutmut_1", "m.e__mutmut_2"]
    )

    assert found["database"] == "SQLite and PostgreSQL"
    assert found["counts"][mutation.KILLED] == 7
    assert found["counts"][mutation.SURVIVED] == 1
    assert found["counts"][mutation.EQUIVALENT] == 2
    assert [s["mutant"] for s in found["survivors"]] == ["m.engine__mutmut_2"]
    assert found["score"] == {"killed_of_all": 70.0, "killed_of_non_equivalent": 87.5}
    assert found["rechecked"]["mutants"] == 4
    assert "rechecked on PostgreSQL: 4 mutants, 1 killed" in mutation.report(found)
    assert figures["counts"][mutation.KILLED] == 6  # the record read is left as it was


def test_a_declared_equivalent_the_other_database_kills_is_killed_and_listed_stale() -> None:
    found = mutation.rechecked(
        _recorded([]), {"m.e__mutmut_1"}, "PostgreSQL", ["m.e__mutmut_1", "m.e__mutmut_2"]
    )

    assert found["counts"][mutation.KILLED] == 7
    assert found["counts"][mutation.EQUIVALENT] == 1
    assert found["stale_equivalents"] == ["m.e__mutmut_1"]
    assert "stale equivalents (not survivors now): m.e__mutmut_1" in mutation.report(found)


@pytest.mark.parametrize(
    ("judged", "killed_as"),
    [
        (mutation.NOT_REACHED, mutation.KILLED_OWN),  # the second pass, under own tests
        (mutation.IMPORT_TIME, mutation.KILLED),  # the fresh pass
    ],
)
def test_a_later_pass_judges_only_the_mutants_of_its_bucket(judged: str, killed_as: str) -> None:
    found = {
        "m.a__mutmut_1": judged,
        "m.a__mutmut_2": judged,
        "m.a__mutmut_3": judged,
        "m.b__mutmut_1": mutation.SURVIVED,
    }
    later = {
        "m.a__mutmut_1": mutation.KILLED,
        "m.a__mutmut_2": mutation.SURVIVED,
        "m.a__mutmut_3": mutation.OTHER,  # no test ran: nothing learnt
        "m.b__mutmut_1": mutation.KILLED,  # the shared suite's survivor stays its gap
    }

    mutation.judged_again(found, later, judged=judged, killed_as=killed_as)

    assert found == {
        "m.a__mutmut_1": killed_as,
        "m.a__mutmut_2": mutation.SURVIVED,
        "m.a__mutmut_3": judged,
        "m.b__mutmut_1": mutation.SURVIVED,
    }


def test_kills_by_the_variants_own_tests_count_in_the_score_and_are_shown_apart() -> None:
    figures = _recorded([])
    figures["counts"][mutation.KILLED_OWN] = 2
    figures["score"] = mutation.scores(figures["counts"])

    assert figures["score"]["killed_of_all"] == 80.0
    assert "of the killed, 2 by the variant's own tests" in mutation.report(figures)


def test_survivors_the_own_tests_kill_move_to_their_bucket_and_add_up_over_runs() -> None:
    figures = _recorded(["m.redo__mutmut_1", "m.redo__mutmut_2", "m.log__mutmut_1"])
    figures["counts"][mutation.KILLED_OWN] = 1  # from the second pass over unreached code

    once = mutation.survivors_killed_by_own_tests(figures, {"m.redo__mutmut_1"})
    twice = mutation.survivors_killed_by_own_tests(once, {"m.redo__mutmut_2"})

    assert [s["mutant"] for s in twice["survivors"]] == ["m.log__mutmut_1"]
    assert twice["counts"][mutation.KILLED_OWN] == 3
    assert twice["counts"][mutation.SURVIVED] == 1
    assert twice["score"]["killed_of_all"] == 75.0
    assert twice["own_tests"] == list(mutation.OWN_TESTS["domain_model"])
    assert (
        "1 in code the shared suite does not reach, 2 it reaches but lets live"
        in mutation.report(twice)
    )


def test_declared_equivalents_the_own_tests_kill_count_killed_and_are_listed_stale() -> None:
    figures = _recorded(["m.log__mutmut_1"])  # 6 killed, 1 survivor, 2 equivalent

    judged = mutation.equivalents_killed_by_own_tests(figures, {"m.guard__mutmut_1"})

    assert judged["counts"][mutation.EQUIVALENT] == 1
    assert judged["counts"][mutation.KILLED_OWN] == 1
    assert judged["score"] == {"killed_of_all": 77.8, "killed_of_non_equivalent": 87.5}
    assert judged["stale_equivalents"] == ["m.guard__mutmut_1"]
    assert [s["mutant"] for s in judged["survivors"]] == ["m.log__mutmut_1"]
    # A reviewed file no longer declares it: the record keeps it killed, and not stale.
    assert mutation.reclassified(judged, [])["stale_equivalents"] == []


def test_a_second_pass_run_again_starts_from_everything_unreached_not_reached() -> None:
    figures = _recorded(["m.suite__mutmut_1", "m.amqp__mutmut_1"])
    figures["counts"] |= {mutation.KILLED_OWN: 5, mutation.NOT_REACHED: 3}
    figures[mutation.SURVIVORS_KILLED_BY_OWN_TESTS] = 1  # reached by the suite: not undone
    unreached = {f"m.amqp__mutmut_{n}" for n in range(1, 9)}  # 4 killed, 1 survivor, 3 left

    found = mutation.without_second_pass(figures, unreached)

    assert found["counts"][mutation.NOT_REACHED] == len(unreached)
    assert found["counts"][mutation.KILLED_OWN] == 1
    assert found["counts"][mutation.SURVIVED] == 1
    assert [s["mutant"] for s in found["survivors"]] == ["m.suite__mutmut_1"]


def test_a_reclassified_record_counts_the_survivors_now_declared_equivalent() -> None:
    figures = _recorded(["m.a__mutmut_1", "m.b__mutmut_1"])

    found = mutation.reclassified(figures, ["m.a__mutmut_1", "m.killed__mutmut_1"])

    assert found["counts"][mutation.EQUIVALENT] == 3
    assert found["counts"][mutation.SURVIVED] == 1
    assert [s["mutant"] for s in found["survivors"]] == ["m.b__mutmut_1"]
    assert found["score"] == {"killed_of_all": 60.0, "killed_of_non_equivalent": 85.7}


def test_a_reclassified_record_names_stale_only_the_entries_the_file_still_declares() -> None:
    figures = {**_recorded([]), "stale_equivalents": ["m.renamed__mutmut_1", "m.kept__mutmut_2"]}

    found = mutation.reclassified(figures, ["m.kept__mutmut_2", "m.new__mutmut_1"])

    assert found["stale_equivalents"] == ["m.kept__mutmut_2"]


_EQUIVALENTS_FILE = """# Equivalent mutants: why each is one.

# --- x: spelling

[[equivalent]]
variant = "x"
reason = "case-insensitive"
mutants = [
    "m.a__mutmut_1",
    "m.a__mutmut_2",
    "m.a__mutmut_3",
]

[[equivalent]]
variant = "y"
reason = "another variant's entry"
mutants = ["m.a__mutmut_1"]

# --- x: time only

[[equivalent]]
variant = "x"
reason = "a pause"
mutants = ["m.b__mutmut_1"]
"""


def test_pruning_leaves_the_equivalents_file_as_written_when_nothing_is_stale() -> None:
    assert mutation.pruned(_EQUIVALENTS_FILE, "x", []) == _EQUIVALENTS_FILE


def test_pruning_takes_out_the_stale_mutants_of_the_variant_only() -> None:
    found = mutation.pruned(_EQUIVALENTS_FILE, "x", ["m.a__mutmut_1", "m.a__mutmut_3"])

    kept = mutation.load_equivalents(found, "x") + mutation.load_equivalents(found, "y")
    assert [(e.variant, e.mutant) for e in kept] == [
        ("x", "m.a__mutmut_2"),
        ("x", "m.b__mutmut_1"),
        ("y", "m.a__mutmut_1"),
    ]
    assert 'mutants = ["m.a__mutmut_2"]\n' in found


def test_pruning_drops_an_emptied_entry_and_a_heading_left_without_entries() -> None:
    found = mutation.pruned(_EQUIVALENTS_FILE, "x", ["m.b__mutmut_1"])

    assert found == _EQUIVALENTS_FILE.split("\n# --- x: time only", maxsplit=1)[0]


def test_pruning_a_record_writes_the_file_without_its_stale_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    equivalents = tmp_path / "equivalents.toml"
    equivalents.write_text(_EQUIVALENTS_FILE.replace('"x"', '"domain_model"'))
    record = {**_recorded([]), "stale_equivalents": ["m.a__mutmut_2", "m.b__mutmut_1"]}
    (tmp_path / "mutation-domain_model.json").write_text(json.dumps(record))
    monkeypatch.setattr(mutation, "EQUIVALENTS", equivalents)
    monkeypatch.setattr(mutation, "RESULTS", tmp_path)

    found = mutation.pruned_record("domain_model")

    assert found["stale_equivalents"] == []
    declared = mutation.load_equivalents(equivalents.read_text(), "domain_model")
    assert [e.mutant for e in declared] == ["m.a__mutmut_1", "m.a__mutmut_3"]
    assert "# --- x: time only" not in equivalents.read_text()


def test_a_later_second_pass_moves_what_own_tests_judged_out_of_not_reached() -> None:
    figures = _recorded([])
    figures["counts"][mutation.NOT_REACHED] = 4
    survivor = mutation.Survivor("m.cli__mutmut_2", "kata/x/cli.py:3", "a  ->  b")
    second_pass = {
        "m.cli__mutmut_1": mutation.KILLED,
        "m.cli__mutmut_2": mutation.SURVIVED,
        "m.cli__mutmut_3": mutation.NOT_REACHED,  # own tests do not reach it either
    }

    found = mutation.judged_later(figures, second_pass, [survivor])

    assert found["counts"][mutation.NOT_REACHED] == 2
    assert found["counts"][mutation.KILLED_OWN] == 1
    assert found["counts"][mutation.SURVIVED] == 1
    assert found["survivors"] == [vars(survivor)]
    assert found["score"]["killed_of_all"] == 58.3


def test_a_later_second_pass_names_the_mutants_that_timed_out_and_the_report_shows_them() -> None:
    figures = _recorded([]) | {"timeouts": ["m.loop__mutmut_1"]}
    figures["counts"][mutation.NOT_REACHED] = 1
    second_pass = {"m.relay__mutmut_3": mutation.TIMEOUT}

    found = mutation.judged_later(figures, second_pass, [])

    assert found["timeouts"] == ["m.loop__mutmut_1", "m.relay__mutmut_3"]
    assert found["counts"][mutation.TIMEOUT] == 1
    assert "timed out (the tests ran past their CPU time limit): m.loop__mutmut_1, m.relay" in (
        mutation.report(found)
    )


def test_a_later_second_pass_counts_equivalent_a_declared_mutant_no_test_reaches() -> None:
    figures = _recorded([])
    figures["counts"][mutation.NOT_REACHED] = 2
    second_pass = {
        "m.port__mutmut_1": mutation.NOT_REACHED,
        "m.cli__mutmut_1": mutation.NOT_REACHED,
    }

    found = mutation.judged_later(figures, second_pass, [], equivalent=["m.port__mutmut_1"])

    assert found["counts"][mutation.NOT_REACHED] == 1
    assert found["counts"][mutation.EQUIVALENT] == 3


def test_the_report_says_how_many_import_time_mutants_ran_afresh() -> None:
    figures = _recorded([]) | {"import_time_run_afresh": {"run": 31, "killed": 30}}

    assert "31 mutants run again in a fresh process each, 30 killed" in mutation.report(figures)


def test_a_later_fresh_pass_counts_killed_every_import_time_mutant_it_did_not_see_outlive() -> None:
    figures = _recorded([])
    figures["counts"][mutation.IMPORT_TIME] = 3
    survivor = mutation.Survivor("m.script__mutmut_4", "kata/x/t.py:9", "a  ->  b")
    fresh = {
        "m.script__mutmut_1": mutation.KILLED,  # killed in the run too: a runtime kill
        "m.script__mutmut_2": mutation.KILLED,
        "m.script__mutmut_3": mutation.KILLED,
        "m.script__mutmut_4": mutation.SURVIVED,
    }

    found = mutation.judged_afresh_later(figures, fresh, [survivor])

    assert found["counts"][mutation.IMPORT_TIME] == 0
    assert found["counts"][mutation.KILLED] == 8
    assert found["counts"][mutation.SURVIVED] == 1
    assert found["survivors"] == [vars(survivor)]
    assert found["import_time_run_afresh"] == {"run": 4, "killed": 3}


def test_a_later_fresh_pass_that_sees_more_outlive_than_the_record_holds_is_refused() -> None:
    figures = _recorded([])
    figures["counts"][mutation.IMPORT_TIME] = 1
    fresh = {"m.a__mutmut_1": mutation.SURVIVED, "m.a__mutmut_2": mutation.TIMEOUT}

    with pytest.raises(SystemExit, match="more import-time mutants outlived"):
        mutation.judged_afresh_later(figures, fresh, [])


def test_import_time_survivors_a_fresh_run_on_postgresql_kills_count_killed() -> None:
    figures = _recorded(["m.script__mutmut_2", "m.script__mutmut_9"])
    figures["import_time_run_afresh"] = {"run": 10, "killed": 8}

    found = mutation.killed_afresh_on(figures, {"m.script__mutmut_9"})

    assert [s["mutant"] for s in found["survivors"]] == ["m.script__mutmut_2"]
    assert found["counts"][mutation.KILLED] == 7
    assert "10 mutants run again in a fresh process each, 8 killed, 1 more on PostgreSQL" in (
        mutation.report(found)
    )


@pytest.mark.parametrize(
    ("postgres", "selected"), [(False, "aggregate"), (True, "aggregate and postgresql")]
)
def test_the_server_tests_are_selected_by_the_variants_name(postgres: bool, selected: str) -> None:
    options = mutation.suite_options("aggregate", postgres, mutation.SERVER_TESTS)

    assert options[options.index("-k") + 1] == selected
    assert "--variant" not in options  # an option of the shared suite only


def test_the_shared_suite_is_selected_by_its_variant_option() -> None:
    options = mutation.suite_options("aggregate", True)

    assert options[options.index("--variant") + 1] == "aggregate"
    assert options[options.index("-k") + 1] == "postgresql"


def test_the_report_says_how_many_survivors_the_server_tests_killed() -> None:
    figures = _recorded(["m.a__mutmut_1"]) | {mutation.SURVIVORS_KILLED_BY_SERVER_TESTS: 3}

    assert (
        "under the server tests (tests/test_serve.py, tests/test_faults.py), twice: 3 killed"
        in (mutation.report(figures))
    )


def test_the_report_says_how_many_survivors_a_fresh_run_of_the_whole_suite_killed() -> None:
    figures = _recorded(["m.a__mutmut_1"]) | {"survivors_run_afresh": 4}

    assert "under the whole suite: 4 killed" in mutation.report(figures)


def test_a_later_pass_starts_from_a_survivor_or_else_from_a_declared_equivalent() -> None:
    survivor = {"mutant": f"{ORDERS}.x_cancel__mutmut_3", "location": "", "mutation": ""}
    declared = mutation.load_equivalents(mutation.EQUIVALENTS.read_text(), "aggregate")

    assert (
        mutation._named_mutant({"variant": "aggregate", "survivors": [survivor]})
        == (survivor["mutant"])
    )
    assert mutation._named_mutant({"variant": "aggregate", "survivors": []}) == (declared[0].mutant)
    with pytest.raises(SystemExit, match="names no mutant"):
        mutation._named_mutant({"variant": "no_such_variant", "survivors": []})


def test_the_repository_equivalents_file_keeps_each_variants_sections_together() -> None:
    # A reader reads one variant's equivalents in one place, in the built-in variants' order
    # (sections shared by several variants last).
    order = list(mutation.BUSINESS_CODE)
    headings = [
        line.removeprefix("# --- ").split(":")[0]
        for line in mutation.EQUIVALENTS.read_text().splitlines()
        if line.startswith("# --- ")
    ]
    ranks = [order.index(name) if name in order else len(order) for name in headings]
    assert ranks == sorted(ranks)
