"""The mutation score leaves out only mutants proven equivalent: SQL letter case alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mutation_equivalents import is_sql_case_mutant, sql_case_only


@pytest.mark.parametrize(
    ("original", "mutated"),
    [
        ("SELECT n FROM t WHERE k = ?", "select n from t where k = ?"),
        ("DELETE FROM subs WHERE chat_id = ?", "DELETE FROM SUBS WHERE CHAT_ID = ?"),
        ("UPDATE d SET status = 'sent' WHERE id = ?", "update d set status = 'sent' where id = ?"),
        ("  INSERT INTO s (a) VALUES (?)", "  insert into s (a) values (?)"),
    ],
)
def test_keywords_and_names_in_another_case_are_equivalent(original: str, mutated: str) -> None:
    assert sql_case_only(original, mutated)


@pytest.mark.parametrize(
    ("original", "mutated"),
    [
        # a quoted value: 'SENT' is another value
        ("UPDATE d SET status = 'sent' WHERE id = ?", "UPDATE D SET STATUS = 'SENT' WHERE ID = ?"),
        # a named parameter: sqlite3 looks its name up case-sensitively
        ("SELECT a FROM t WHERE k = :key", "SELECT A FROM T WHERE K = :KEY"),
        # not SQL: a codec name, a message, a language code
        ("ascii", "ASCII"),
        ("fr", "FR"),
        ("Select a topic", "SELECT A TOPIC"),
        ("Delete", "delete"),
        # not a case change
        ("SELECT n FROM t", "XXSELECT n FROM tXX"),
        ("SELECT n FROM t", "SELECT n FROM t"),
    ],
)
def test_anything_else_is_not(original: str, mutated: str) -> None:
    assert not sql_case_only(original, mutated)


def _module(tmp_path: Path, body: str) -> Path:
    root = tmp_path / "mutants"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "store.py").write_text(body, encoding="utf-8")
    return root


MODULE = '''
def x_count__mutmut_orig(db, k):
    return db.execute("SELECT n FROM t WHERE k = ? AND s = 'on'", (k, 1))
def x_count__mutmut_1(db, k):
    return db.execute("select n from t where k = ? and s = 'on'", (k, 1))
def x_count__mutmut_2(db, k):
    return db.execute("SELECT n FROM t WHERE k = ? AND s = 'ON'", (k, 1))
def x_count__mutmut_3(db, k):
    return db.execute("select n from t where k = ? and s = 'on'", (k, 2))
def x_count__mutmut_4(db, k):
    return db.execute("SELECT n FROM t WHERE k = ? AND s = 'on'", None)
'''


def test_a_mutant_is_read_in_the_mutants_tree(tmp_path: Path) -> None:
    root = _module(tmp_path, MODULE)
    assert is_sql_case_mutant("pkg.store.x_count__mutmut_1", root)
    assert not is_sql_case_mutant("pkg.store.x_count__mutmut_2", root)  # a quoted value
    assert not is_sql_case_mutant("pkg.store.x_count__mutmut_3", root)  # code changed too
    assert not is_sql_case_mutant("pkg.store.x_count__mutmut_4", root)  # not a string
    assert not is_sql_case_mutant("pkg.store.x_count__mutmut_9", root)  # no such mutant
    assert not is_sql_case_mutant("pkg.other.x_count__mutmut_1", root)  # no such module
