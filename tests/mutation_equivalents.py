"""Mutants proven equivalent by reading them: SQL statements whose letter case alone changed.

mutmut 3 upper- and lower-cases every string literal, SQL included, and cannot be told
to skip SQL (boxed/mutmut#577). SQLite ignores the case of keywords and of table and
column names, so `"select n from t"` runs exactly as `"SELECT n FROM t"`. A case change
is proven harmless here only when all of this holds, checked on the mutant's code (the
`mutants/` tree mutmut writes), not on its name:

- the mutant's function differs from the original in string literals only, and each
  differing literal differs in letter case only;
- the original literal is an SQL statement: it starts with an SQL command word in
  capitals, as every statement of this code base does ("Select a topic" is no SQL);
- every quoted value (`'pending'`) and every named parameter (`:name`, `@name`, `$name`)
  is unchanged, case included: those are compared case-sensitively by SQLite or sqlite3.

Result columns are read by position everywhere in the mutated modules (no `row_factory`,
no `cursor.description`): an alias whose case changes changes nothing either.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

_SQL_COMMAND = re.compile(
    r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|WITH|REPLACE|BEGIN|COMMIT|"
    r"ROLLBACK|VACUUM|ANALYZE|SAVEPOINT|RELEASE|REINDEX)\b",
)
# Parts of a statement whose case matters: quoted values and named parameters.
_CASE_SENSITIVE = re.compile(r"'(?:[^']|'')*'|[:@$][A-Za-z_]\w*")


def sql_case_only(original: str, mutated: str) -> bool:
    """Whether `mutated` is the SQL statement `original` with only its letter case changed
    where SQLite ignores it."""
    if original == mutated or original.lower() != mutated.lower():
        return False
    if not _SQL_COMMAND.match(original):
        return False
    return _CASE_SENSITIVE.findall(original) == _CASE_SENSITIVE.findall(mutated)


def is_sql_case_mutant(name: str, root: Path = Path("mutants")) -> bool:
    """Whether mutant `name` (as `mutmut results` lists it) only changes SQL letter case."""
    module, _, function = name.rpartition(".")
    stem, _, _number = function.rpartition("__mutmut_")
    functions = _functions(root / Path(*module.split(".")).with_suffix(".py"))
    original, mutated = functions.get(f"{stem}__mutmut_orig"), functions.get(function)
    if original is None or mutated is None:
        return False
    changed = _changed_strings(original, mutated)
    return bool(changed) and all(sql_case_only(a, b) for a, b in changed)


@lru_cache(maxsize=64)
def _functions(path: Path) -> dict[str, ast.AST]:
    if not path.is_file():
        return {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name: node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _changed_strings(original: ast.AST, mutated: ast.AST) -> list[tuple[str, str]]:
    """The (original, mutated) string literals that differ, or [] when anything else
    differs too (the functions' names aside)."""
    before, after = _strings(original), _strings(mutated)
    if len(before) != len(after) or _shape(original) != _shape(mutated):
        return []
    return [(a, b) for a, b in zip(before, after, strict=True) if a != b]


def _strings(node: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _shape(node: ast.AST) -> str:
    """The function's code with every string literal blanked and its name dropped."""
    copy = ast.parse(ast.unparse(node))
    for n in ast.walk(copy):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            n.value = ""
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef):
            n.name = ""
    return ast.dump(copy)
