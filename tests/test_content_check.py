"""Content validation: every mistake an editor can make is reported where it is.

The editors of `content/` and `intents/` are not programmers. For each kind of
mistake, a test copies the real content root, makes that one mistake in one
file and checks that `vigie content check` names the right file, the right
line (computed from the mutated text), and says what is wrong and what was
expected; and that a running bot would keep its old content (`load_root`
returns no content when there is an error).

Speed: a whole load takes ~1.4 s, mostly walking the breach flow's answer
paths. The steps that are pure functions of their input (parsing a file's
bytes, loading a flows folder, normalising a phrasing, comparing the phrasings)
are memoised for this module, so a test only pays for the file it changed;
every step still runs for real, once per distinct input.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import cli
from bot.content import flows as flow_loader
from bot.content import lint, loader
from bot.content.errors import Problem
from bot.content.lint import MIN_EXAMPLES
from bot.content.loader import MAX_ANSWER_CHARS, load_root
from bot.content.yamlsource import parse_yaml
from bot.core.content import Content
from bot.core.html import visible_length

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date.today()
FLOW = "content/flows/breach_notification.yaml"
GDPR_ANSWERS = "content/answers/gdpr.yaml"
GDPR_INTENTS = "intents/gdpr.yaml"
LINE_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
PROBLEM_LINE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")

Result = tuple[Content | None, list[Problem]]


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module", autouse=True)
def _memoised_pure_steps() -> Iterator[None]:
    real_read = loader.read_yaml
    real_flows = loader.load_flows
    parsed: dict[tuple[str, bytes], Any] = {}
    walked: dict[tuple[Any, ...], Any] = {}

    def read_yaml(path: Path, display: str) -> Any:
        key = (display, path.read_bytes())
        if key not in parsed:
            parsed[key] = real_read(path, display)
        doc, problems = parsed[key]
        return doc, list(problems)

    def load_flows(
        folder: Path, display: Any, digest: Any = None, *, declared: set[str] | None = None,
        exhaustive: bool = True,
    ) -> Any:
        files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        raw = (exhaustive, *((display(p), p.read_bytes()) for p in files))
        if raw not in walked:
            ids: set[str] = set()
            walked[raw] = (*real_flows(folder, display, declared=ids, exhaustive=exhaustive),
                           ids)
        for _, data in raw[1:]:
            if digest is not None:
                digest.update(data)
        flows, problems, ids = walked[raw]
        if declared is not None:
            declared |= ids
        return dict(flows), list(problems)

    real_collisions = lint._collisions
    compared: dict[Any, list[Problem]] = {}

    def collisions(intents: Any, docs: Any) -> list[Problem]:
        # Unchanged files give the very same (memoised) documents, hence id().
        key = tuple(
            (topic, id(docs[topic]), tuple(sorted(intent.examples.items())))
            for topic, intent in intents.items()
        )
        if key not in compared:
            compared[key] = real_collisions(intents, docs)
        return list(compared[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "read_yaml", read_yaml)
        patch.setattr(flow_loader, "read_yaml", read_yaml)
        patch.setattr(loader, "load_flows", load_flows)
        patch.setattr(lint, "normalise", functools.cache(lint.normalise))
        patch.setattr(lint, "_collisions", collisions)
        yield


@pytest.fixture(scope="module")
def real() -> Result:
    return load_root(ROOT, today=TODAY)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A private copy of the real content root, to break."""
    for name in ("content", "intents"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


# ----------------------------------------------------------------- helpers


def edit(root: Path, rel: str, old: str, new: str) -> None:
    """Replace the only occurrence of `old` in `rel`."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{rel}: {old!r} occurs {text.count(old)} times"
    path.write_text(text.replace(old, new), encoding="utf-8")


def where(root: Path, rel: str, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the only occurrence of `needle` in the (mutated) file."""
    text = (root / rel).read_text(encoding="utf-8")
    assert text.count(needle) == 1, f"{rel}: {needle!r} occurs {text.count(needle)} times"
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def line_of(root: Path, rel: str, needle: str) -> int:
    return where(root, rel, needle)[0]


def line_after(root: Path, rel: str, anchor: str, target: str) -> int:
    """1-based line of the first line equal to `target` after the line `anchor`."""
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    start = lines.index(anchor)
    return lines.index(target, start) + 1


def block(lines: list[str], start: int) -> int:
    """Index just past the block that starts at lines[start] (its more indented lines)."""
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    return end


def drop(root: Path, rel: str, header: str, after: str | None = None) -> None:
    """Delete the line equal to `header` (the first one after the line `after`) and its block."""
    path = root / rel
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(after) + 1 if after else 0
    at = next(i for i in range(start, len(lines)) if lines[i] == header)
    del lines[at : block(lines, at)]
    path.write_text("".join(lines), encoding="utf-8")


def set_reviewed(root: Path, value: str) -> int:
    """Set gdpr.applies_to_me's `last_reviewed:`; return its line."""
    path = root / GDPR_ANSWERS
    text, count = re.subn(
        r"(?m)^(  gdpr\.applies_to_me:\n    last_reviewed: ).*$",
        lambda m: m.group(1) + value,
        path.read_text(encoding="utf-8"),
    )
    assert count == 1
    path.write_text(text, encoding="utf-8")
    return line_of(root, GDPR_ANSWERS, "  gdpr.applies_to_me:\n") + 1


def items(root: Path, rel: str, topic: str, lang: str) -> list[int]:
    """0-based indexes of the `- ...` lines of intents[topic][lang] in an intents file."""
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    top = lines.index(f"  {topic}:")
    head = next(i for i in range(top, block(lines, top)) if lines[i] == f"    {lang}:")
    return [i for i in range(head + 1, block(lines, head)) if lines[i].startswith("      - ")]


def check(root: Path, today: dt.date = TODAY) -> Result:
    return load_root(root, today=today)


def show(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems) or "(no problem)"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if not p.warning]


def rejected(root: Path, today: dt.date = TODAY) -> list[Problem]:
    """Load a broken root: no content (the bot keeps its old one), and the problems."""
    content, problems = check(root, today)
    assert content is None, f"broken content was accepted:\n{show(problems)}"
    assert errors(problems), "rejected without an error"
    return problems


def reported(
    problems: list[Problem],
    path: str,
    line: int,
    *fragments: str,
    column: int | None = None,
    warning: bool = False,
) -> Problem:
    """The one problem at path:line (and column) whose message holds every fragment."""
    found = [
        p
        for p in problems
        if p.path == path
        and p.line == line
        and (column is None or p.column == column)
        and p.warning == warning
        and all(f in p.message for f in fragments)
    ]
    assert len(found) == 1, (
        f"expected one {'warning' if warning else 'error'} at {path}:{line}"
        f"{f':{column}' if column else ''} with {fragments}, got:\n{show(problems)}"
    )
    return found[0]


# ------------------------------------------------------------ real content


def test_real_content_has_no_error(real: Result) -> None:
    content, problems = real
    assert errors(problems) == [], show(problems)
    assert content is not None
    catalogue = yaml.safe_load((ROOT / "content/reference/catalogue.yaml").read_text("utf-8"))
    topics = {t["id"] for t in catalogue["topics"]}
    assert topics <= content.intents.keys()
    assert topics <= content.answers.keys()
    assert set(content.flows) == {"breach_notification", "security_checkup"}


def test_vigie_content_check_exits_0_on_the_real_content() -> None:
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - started
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1].startswith("contenu valide : "), run.stdout
    assert "Traceback" not in run.stderr
    # About 3 s unloaded: 60 s catches a pathological slowdown, not a busy machine.
    assert elapsed < 60, f"vigie content check took {elapsed:.1f} s"


def test_an_untouched_copy_loads(root: Path) -> None:
    content, problems = check(root)
    assert content is not None and errors(problems) == [], show(problems)


# ---------------------------------------------------------- malformed YAML

PHRASING = '      - "rgpd cabinet medical par ou commencer"\n'


@pytest.mark.parametrize(
    ("mutation", "needle", "fragments"),
    [
        pytest.param(
            '     - "rgpd cabinet medical par ou commencer"\n',
            '- "rgpd cabinet',
            ("YAML invalide", "indentation"),
            id="bad-indentation",
        ),
        pytest.param(
            '\t\t\t- "rgpd cabinet medical par ou commencer"\n',
            "\t\t\t-",
            ("YAML invalide", "tabulations"),
            id="tab",
        ),
        pytest.param(
            '      - "rgpd cabinet medical par ou commencer\n',
            '"rgpd cabinet',
            ("YAML invalide", "guillemet"),
            id="unclosed-quote",
        ),
    ],
)
def test_malformed_yaml_points_at_the_faulty_line(
    root: Path,
    capsys: pytest.CaptureFixture[str],
    mutation: str,
    needle: str,
    fragments: tuple[str, ...],
) -> None:
    edit(root, GDPR_INTENTS, PHRASING, mutation)
    line, column = where(root, GDPR_INTENTS, needle)
    problems = rejected(root)
    reported(problems, GDPR_INTENTS, line, *fragments, column=column)
    assert cli.main(["content", "check", str(root)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{GDPR_INTENTS}:{line}:{column}: YAML invalide : "), out
    assert "Traceback" not in out + err


def test_a_broken_file_gives_one_error_not_a_cascade(root: Path) -> None:
    # The answers of an unreadable intents file must not be called "without intent".
    edit(root, GDPR_INTENTS, PHRASING, "\t" + PHRASING)
    problems = rejected(root)
    assert [(p.path, p.line) for p in problems] == [
        (GDPR_INTENTS, line_of(root, GDPR_INTENTS, "\t"))
    ], show(problems)


def test_a_broken_flow_is_not_called_unknown_by_its_answers(root: Path) -> None:
    edit(root, FLOW, "  start: personal_data\n", "  start: personal_dat\n")
    problems = rejected(root)
    assert [(p.path, p.line) for p in problems] == [
        (FLOW, line_of(root, FLOW, "start: personal_dat\n"))
    ], show(problems)


def test_unclosed_quote_on_the_last_line(root: Path) -> None:
    rel = "intents/smalltalk.yaml"
    edit(
        root, rel, '      - "what is the capital of australia"\n', '      - "what is the capital\n'
    )
    line, column = where(root, rel, '"what is the capital')
    reported(rejected(root), rel, line, "guillemet", column=column)


def test_colon_in_unquoted_text(root: Path) -> None:
    edit(
        root,
        GDPR_ANSWERS,
        'title: "Le RGPD s\'applique-t-il à mon cabinet ?"',
        "title: RGPD : s'applique-t-il à mon cabinet ?",
    )
    line, column = where(root, GDPR_ANSWERS, ": s'applique")
    reported(rejected(root), GDPR_ANSWERS, line, "mettez le texte entre guillemets", column=column)


def test_colon_in_an_unquoted_phrasing(root: Path) -> None:
    # `- rgpd: par ou commencer` is valid YAML (a one-key mapping), not the text meant.
    edit(root, GDPR_INTENTS, PHRASING, "      - rgpd cabinet medical: par ou commencer\n")
    line = line_of(root, GDPR_INTENTS, "- rgpd cabinet medical:")
    reported(rejected(root), GDPR_INTENTS, line, "texte attendu", "guillemets")


def test_invisible_control_character_is_located(root: Path) -> None:
    # A vertical tab, as Word pastes for a manual line break.
    edit(root, GDPR_INTENTS, PHRASING, '      - "rgpd cabinet medical\x0bpar ou commencer"\n')
    line = line_of(root, GDPR_INTENTS, "\x0b")
    reported(rejected(root), GDPR_INTENTS, line, "U+000B")


def test_impossible_date_is_an_error_not_a_crash(root: Path) -> None:
    line = set_reviewed(root, "2026-02-30")
    column = where(root, GDPR_ANSWERS, "2026-02-30")[1]
    reported(rejected(root), GDPR_ANSWERS, line, "2026-02-30", "AAAA-MM-JJ", column=column)


def test_duplicated_key_cites_both_lines(root: Path) -> None:
    related = "    related: [gdpr.processing_register, gdpr.legal_basis, security.art32_overview]\n"
    edit(root, GDPR_ANSWERS, related, related + "    last_reviewed: 2026-01-01\n")
    first = line_of(root, GDPR_ANSWERS, "  gdpr.applies_to_me:\n    last_reviewed:") + 1
    second = line_of(root, GDPR_ANSWERS, "last_reviewed: 2026-01-01")
    problems = rejected(root)
    reported(problems, GDPR_ANSWERS, second, "« last_reviewed » en double", f"ligne {first}")


def test_intent_defined_in_two_files_cites_the_other_file_and_line(root: Path) -> None:
    original = line_of(root, "intents/bot.yaml", "  bot.help:")
    (root / "intents/zz_extra.yaml").write_text(
        'intents:\n  bot.help:\n    fr: ["a quoi tu sers vigie"]\n    en: ["what do you do"]\n',
        encoding="utf-8",
    )
    reported(
        rejected(root),
        "intents/zz_extra.yaml",
        2,
        "« bot.help » déjà définie",
        f"intents/bot.yaml:{original}",
    )


@pytest.mark.parametrize(
    ("rel", "old", "new", "needle"),
    [
        pytest.param(GDPR_INTENTS, PHRASING, "      - yes\n", "- yes\n", id="phrasing-yes"),
        pytest.param(
            "content/ui.yaml",
            'en: "None of these"',
            "en: No",
            "en: No",
            id="ui-label-no",
        ),
        pytest.param(
            "content/answers/security_technical.yaml",
            'title: "Health data hosting (HDS)"',
            "title: on",
            "title: on",
            id="answer-title-on",
        ),
        pytest.param(
            FLOW,
            '  integrity:\n    values:\n      "yes": {fr: "Oui", en: "Yes"}\n'
            '      "no": {fr: "Non", en: "No"}\n',
            '  integrity:\n    values:\n      "yes": {fr: "Oui", en: "Yes"}\n'
            '      "no": {fr: "Non", en: No}\n',
            "en: No}",
            id="flow-label-no",
        ),
    ],
)
def test_unquoted_yes_no_on_where_text_is_expected(
    root: Path, rel: str, old: str, new: str, needle: str
) -> None:
    edit(root, rel, old, new)
    line = line_of(root, rel, needle)
    reported(rejected(root), rel, line, "mettez le texte entre guillemets")


def test_empty_text_is_called_empty(root: Path) -> None:
    edit(
        root,
        GDPR_ANSWERS,
        'title: "Le RGPD s\'applique-t-il à mon cabinet ?"',
        "title:",
    )
    line = line_of(root, GDPR_ANSWERS, "title:\n")
    problem = reported(rejected(root), GDPR_ANSWERS, line, "vide")
    assert "guillemets" not in problem.message


@pytest.mark.parametrize(
    "text", ["", "\n\n", "# tout commenté\n"], ids=["empty", "blank", "comment"]
)
def test_empty_file(root: Path, text: str) -> None:
    (root / "intents/bot.yaml").write_text(text, encoding="utf-8")
    reported(rejected(root), "intents/bot.yaml", 1, "fichier vide")


def test_recursive_alias_is_reported_not_a_crash() -> None:
    doc, problems = parse_yaml("a: 1\nb: &loop [*loop]\n", "x.yaml")
    assert doc is None
    assert [(p.line, p.column) for p in problems] == [(2, 4)], show(problems)


@pytest.mark.parametrize("text", ["a: !!int abc\n", "a: !!bool maybe\n", "a: !!timestamp x\n"])
def test_impossible_explicit_tag_is_reported_not_a_crash(text: str) -> None:
    doc, problems = parse_yaml(text, "x.yaml")
    assert doc is None
    assert [(p.line, p.column) for p in problems] == [(1, 4)], show(problems)


# ------------------------------------------------------------------ schema


def test_unknown_key_is_named(root: Path) -> None:
    edit(
        root,
        GDPR_ANSWERS,
        '      sources: "RGPD art. 2, 4, 9 ;',
        '      sourcse: "RGPD art. 2, 4, 9 ;',
    )
    typo = line_of(root, GDPR_ANSWERS, "sourcse:")
    fr = line_after(root, GDPR_ANSWERS, "  gdpr.applies_to_me:", "    fr:")
    problems = rejected(root)
    reported(problems, GDPR_ANSWERS, typo, "clé inconnue « sourcse »", "« sources » ?")
    reported(problems, GDPR_ANSWERS, fr, "« sources » manquant")


def test_unknown_key_in_a_flow_is_explained_in_french(root: Path) -> None:
    edit(
        root,
        FLOW,
        "  scale:\n    type: question\n    fact: scale\n",
        "  scale:\n    type: question\n    fatc: scale\n",
    )
    line = line_of(root, FLOW, "fatc: scale")
    reported(rejected(root), FLOW, line, "clé inconnue « fatc »")


def test_answer_without_english(root: Path) -> None:
    drop(root, GDPR_ANSWERS, "    en:\n", after="  gdpr.applies_to_me:\n")
    line = line_of(root, GDPR_ANSWERS, "  gdpr.applies_to_me:")
    problem = reported(rejected(root), GDPR_ANSWERS, line, "« en » manquant", "gdpr.applies_to_me")
    assert "gdpr.applies_to_me/en" not in problem.message


def test_answer_without_sources(root: Path) -> None:
    path = root / GDPR_ANSWERS
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, t in enumerate(lines) if t.startswith('      sources: "RGPD art. 2, 4, 9 ;'))
    del lines[at]
    path.write_text("".join(lines), encoding="utf-8")
    fr = line_after(root, GDPR_ANSWERS, "  gdpr.applies_to_me:", "    fr:")
    reported(rejected(root), GDPR_ANSWERS, fr, "« sources » manquant", "gdpr.applies_to_me/fr")


def test_catalogue_topic_without_intent_nor_answer(root: Path) -> None:
    rel = "content/reference/catalogue.yaml"
    with (root / rel).open("a", encoding="utf-8") as file:
        file.write('\n- id: breach.brand_new\n  title: "Un nouveau sujet"\n')
    line = line_of(root, rel, "- id: breach.brand_new")
    problems = rejected(root)
    reported(problems, rel, line, "« breach.brand_new » n'a pas d'intention")
    reported(problems, rel, line, "« breach.brand_new » n'a pas de réponse")


def test_catalogue_with_a_bare_topic_id_is_an_error_not_a_crash(root: Path) -> None:
    rel = "content/reference/catalogue.yaml"
    edit(root, rel, "\ntopics:\n", "\ntopics:\n- breach.bare_id\n")
    line = line_of(root, rel, "- breach.bare_id")
    reported(rejected(root), rel, line, "sujet sans « id: »")


def test_intent_without_answer(root: Path) -> None:
    drop(root, GDPR_ANSWERS, "  gdpr.dpo:\n")
    problems = rejected(root)
    reported(
        problems, GDPR_INTENTS, line_of(root, GDPR_INTENTS, "  gdpr.dpo:"), "n'a pas de réponse"
    )
    catalogue = "content/reference/catalogue.yaml"
    reported(
        problems, catalogue, line_of(root, catalogue, "- id: gdpr.dpo\n"), "n'a pas de réponse"
    )


def test_answer_without_intent(root: Path) -> None:
    drop(root, GDPR_INTENTS, "  gdpr.dpo:\n")
    problems = rejected(root)
    reported(
        problems, GDPR_ANSWERS, line_of(root, GDPR_ANSWERS, "  gdpr.dpo:"), "n'a pas d'intention"
    )


# -------------------------------------------------------------- phrasings

DUPLICATED = "rgpd cabinet medical par ou commencer"


@pytest.mark.parametrize(
    ("copy", "kind"),
    [
        pytest.param(DUPLICATED, "est identique à", id="exact"),
        pytest.param("rgpd cabinet medical par ou commencr", "presque identique", id="one-letter"),
        pytest.param("rgpd cabinet médical par où commencer", "est identique à", id="accents"),
    ],
)
def test_phrasing_in_two_intents_cites_the_other(root: Path, copy: str, kind: str) -> None:
    rel = "intents/security_technical.yaml"
    lines = (root / rel).read_text(encoding="utf-8").splitlines(keepends=True)
    first_topic = next(
        t.strip().rstrip(":") for t in lines[1:] if t.startswith("  ") and t[2] != " "
    )
    at = items(root, rel, first_topic, "fr")[0]
    lines.insert(at, f'      - "{copy}"\n')
    (root / rel).write_text("".join(lines), encoding="utf-8")
    here = (rel, at + 1)
    there = (GDPR_INTENTS, line_of(root, GDPR_INTENTS, f'"{DUPLICATED}"'))
    problems = rejected(root)
    found = [
        p
        for p in problems
        if kind in p.message
        and (
            ((p.path, p.line) == here and f"{there[0]}:{there[1]}" in p.message)
            or ((p.path, p.line) == there and f"{here[0]}:{here[1]}" in p.message)
        )
    ]
    assert len(found) == 1, show(problems)
    assert "gdpr.applies_to_me" in found[0].message or first_topic in found[0].message


def test_short_phrasing_in_two_intents(root: Path) -> None:
    # "merci" is ignored by the fuzzy comparison (too short), not by the exact one.
    edit(root, GDPR_INTENTS, PHRASING, PHRASING + '      - "Merci !"\n')
    here = line_of(root, GDPR_INTENTS, '"Merci !"')
    there = line_of(root, "intents/smalltalk.yaml", '      - "merci"\n')
    problems = rejected(root)
    assert any(
        (
            (p.path, p.line) == (GDPR_INTENTS, here)
            and f"intents/smalltalk.yaml:{there}" in p.message
        )
        or (
            (p.path, p.line) == ("intents/smalltalk.yaml", there)
            and f"{GDPR_INTENTS}:{here}" in p.message
        )
        for p in problems
    ), show(problems)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("short", [False, True], ids=["at-minimum", "one-short"])
def test_minimum_number_of_phrasings(root: Path, real: Result, lang: str, short: bool) -> None:
    content = real[0]
    assert content is not None
    topic = "gdpr.dpo"
    have = len(content.intents[topic].examples[lang])
    keep = MIN_EXAMPLES[lang] - short
    path = root / GDPR_INTENTS
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for index in reversed(items(root, GDPR_INTENTS, topic, lang)[: have - keep]):
        del lines[index]
    path.write_text("".join(lines), encoding="utf-8")
    content_after, problems = check(root)
    if not short:
        assert content_after is not None, show(problems)
        assert len(content_after.intents[topic].examples[lang]) == MIN_EXAMPLES[lang]
        return
    assert content_after is None
    head = line_after(root, GDPR_INTENTS, f"  {topic}:", f"    {lang}:")
    reported(
        problems,
        GDPR_INTENTS,
        head,
        f"{keep} formulations en {lang} pour « {topic} »",
        f"au moins {MIN_EXAMPLES[lang]}",
    )


# ------------------------------------------------------------ answer texts

BULLET = "        • <b>Responsable de traitement</b> : c'est vous, ou votre structure d'exercice.\n"


@pytest.mark.parametrize(
    ("mutated", "fragment"),
    [
        pytest.param(BULLET.replace(".\n", ".<br>\n"), "<br>", id="br"),
        pytest.param(BULLET.replace("c'est vous", "<p>c'est vous</p>"), "<p>", id="p"),
        pytest.param(BULLET.replace("</b> :", " :"), "<b> n'est jamais fermée", id="unclosed-b"),
        pytest.param(BULLET.replace("ou votre", "& votre"), "« & » seul", id="bare-ampersand"),
        pytest.param(BULLET.replace("c'est vous", "vous < la SCM"), "« < »", id="bare-lt"),
    ],
)
def test_html_telegram_would_reject(root: Path, mutated: str, fragment: str) -> None:
    edit(root, GDPR_ANSWERS, BULLET, mutated)
    line = line_of(root, GDPR_ANSWERS, mutated)
    reported(rejected(root), GDPR_ANSWERS, line, "HTML", fragment)


@pytest.mark.parametrize(
    ("inserted", "fragment"),
    [
        pytest.param("{contact_mail}", "variable inconnue contact_mail", id="unknown"),
        pytest.param("{contact_email:%}", "variable mal écrite", id="format-spec"),
        pytest.param("{ voir plus bas", "accolade « { » ou « } » seule", id="lone-brace"),
    ],
)
def test_unknown_placeholder(root: Path, inserted: str, fragment: str) -> None:
    edit(root, GDPR_ANSWERS, BULLET, BULLET.replace("exercice.", f"exercice ({inserted})."))
    line = line_of(root, GDPR_ANSWERS, inserted)
    reported(rejected(root), GDPR_ANSWERS, line, fragment, "{contact_email}")


@pytest.mark.parametrize("extra", [0, 1], ids=["at-limit", "one-over"])
def test_answer_over_1200_visible_characters(root: Path, real: Result, extra: int) -> None:
    content = real[0]
    assert content is not None
    current = visible_length(content.answers["gdpr.applies_to_me"].texts["fr"].text)
    filler = MAX_ANSWER_CHARS - current - 1 + extra  # the new line's break counts too
    assert filler > 0
    anchor = 'title: "Le RGPD s\'applique-t-il à mon cabinet ?"\n      text: |\n'
    edit(root, GDPR_ANSWERS, anchor, anchor + f"        <i>{'x' * filler}</i>\n")
    content_after, problems = check(root)
    if not extra:
        assert content_after is not None, show(problems)
        return
    line = line_of(root, GDPR_ANSWERS, anchor) + 1
    reported(
        problems,
        GDPR_ANSWERS,
        line,
        f"{MAX_ANSWER_CHARS + 1} caractères visibles",
        f"au plus {MAX_ANSWER_CHARS}",
    )
    assert content_after is None


def test_quoted_date_says_to_remove_the_quotes(root: Path) -> None:
    line = set_reviewed(root, '"2026-01-05"')
    reported(rejected(root), GDPR_ANSWERS, line, "date attendue sans guillemets")


def test_file_saved_in_another_encoding(root: Path) -> None:
    path = root / GDPR_INTENTS
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("utf-8").replace("é".encode(), "é".encode("cp1252"), 1))
    before = text[: text.index("é")]  # columns count characters, not bytes
    line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
    reported(rejected(root), GDPR_INTENTS, line, "0xE9", "UTF-8", column=column)


# ---------------------------------------------------------- interface texts


def test_flow_button_without_its_label(root: Path) -> None:
    drop(root, "content/ui.yaml", "  flow.start.breach_notification:\n")
    line = line_of(root, "content/ui.yaml", "\nui:\n") + 1
    reported(rejected(root), "content/ui.yaml", line, "« flow.start.breach_notification » manquant")


def test_interface_text_with_a_typo_in_its_key(root: Path) -> None:
    ui = "content/ui.yaml"
    edit(root, ui, "\n  clarify.none:\n", "\n  clarifiy.none:\n")
    problems = rejected(root)
    reported(problems, ui, line_of(root, ui, "\nui:\n") + 1, "« clarify.none » manquant")
    reported(
        problems,
        ui,
        line_of(root, ui, "  clarifiy.none:"),
        "« clarifiy.none » inconnu",
        "« clarify.none » ?",
        warning=True,
    )


# ----------------------------------------------------------- alert templates

ALERT = "content/alerts/patch.md"


def write_alert(root: Path, text: str, encoding: str = "utf-8") -> None:
    (root / "content/alerts").mkdir(exist_ok=True)
    (root / ALERT).write_bytes(text.encode(encoding))


def test_a_valid_alert_template_loads(root: Path) -> None:
    write_alert(
        root, "\ufeff---\r\ntitle: Mise à jour\r\ncategory: urgent\r\n---\r\n<b>Vite</b>\r\n"
    )
    content, problems = check(root)
    assert content is not None, show(problems)
    assert content.alert_templates["patch"].text == "<b>Vite</b>"


@pytest.mark.parametrize(
    ("text", "needle", "fragments"),
    [
        pytest.param(
            "---\ntitle: Mise à jour\ncategory: urgent\n---\n\n<b>Vite</b>\nligne<br>\n",
            "ligne<br>",
            ("HTML", "<br>"),
            id="html-line",
        ),
        pytest.param(
            "---\ntitle: Mise à jour\ncategory: urgnet\n---\n<b>Vite</b>\n",
            "category:",
            ("catégorie d'alerte inconnue « urgnet »", "urgent, cnil"),
            id="unknown-category",
        ),
        pytest.param(
            "---\ntitle: Mise à jour\ncategory: urgent\n---\n<b>Vite</b> : mettez à jour.\n"
            + "Détails. " * 450 + "\n",
            "<b>Vite</b>",
            ("texte trop long pour Telegram", "ferait 4", "au plus 4 096"),
            id="too-long-for-telegram",
        ),
        pytest.param(
            "---\ntitle: Mise à jour\ncatgory: urgent\n---\n<b>Vite</b>\n",
            "catgory:",
            ("clé inconnue « catgory »", "« category » ?"),
            id="front-matter-line",
        ),
    ],
)
def test_alert_template_problems(
    root: Path, text: str, needle: str, fragments: tuple[str, ...]
) -> None:
    write_alert(root, text)
    reported(rejected(root), ALERT, line_of(root, ALERT, needle), *fragments)


def test_alert_template_in_another_encoding_is_an_error_not_a_crash(root: Path) -> None:
    write_alert(root, "---\ntitle: Mise à jour\ncategory: urgent\n---\nVite\n", "cp1252")
    reported(rejected(root), ALERT, 2, "UTF-8", column=13)


# ----------------------------------------------------- references, review


def test_related_button_to_an_unknown_topic(root: Path) -> None:
    edit(
        root,
        GDPR_ANSWERS,
        "[gdpr.processing_register, gdpr.legal_basis,",
        "[gdpr.processing_register, gdpr.legal_bases,",
    )
    line, column = where(root, GDPR_ANSWERS, "gdpr.legal_bases")
    reported(
        rejected(root),
        GDPR_ANSWERS,
        line,
        "sujet inconnu « gdpr.legal_bases »",
        "gdpr.legal_basis",
        column=column,
    )


def test_flow_button_to_an_unknown_flow(root: Path) -> None:
    rel = "content/answers/breach_obligations.yaml"
    edit(
        root,
        rel,
        "breach.how_to_notify]\n    flow: breach_notification\n",
        "breach.how_to_notify]\n    flow: breach_notif\n",
    )
    line = line_of(root, rel, "flow: breach_notif\n")
    reported(
        rejected(root),
        rel,
        line,
        "parcours inconnu « breach_notif »",
        "breach_notification, security_checkup",
    )


@pytest.mark.parametrize("days_over", [0, 1], ids=["at-limit", "one-day-over"])
def test_old_review_is_a_warning(root: Path, real: Result, days_over: int) -> None:
    content = real[0]
    assert content is not None
    max_age = content.association.review_max_age_days
    today = max(a.last_reviewed for a in content.answers.values())
    line = set_reviewed(root, (today - dt.timedelta(days=max_age + days_over)).isoformat())
    content_after, problems = check(root, today=today)
    assert content_after is not None, show(problems)  # a warning never blocks the content
    assert errors(problems) == [], show(problems)
    late = [p for p in problems if (p.path, p.line) == (GDPR_ANSWERS, line)]
    if not days_over:
        assert late == [], show(problems)
        return
    reported(
        problems,
        GDPR_ANSWERS,
        line,
        f"{max_age + 1} jours",
        f"plus de {max_age}",
        "relire",
        warning=True,
    )


# ------------------------------------------------------------------- flows


def test_flow_next_to_an_unknown_node(root: Path) -> None:
    edit(
        root,
        FLOW,
        "  scale:\n    type: question\n",
        "  scale:\n    type: question\n    next: nowhere\n",
    )
    line = line_of(root, FLOW, "next: nowhere")
    reported(rejected(root), FLOW, line, "nœud inconnu « nowhere »")


def test_flow_unreachable_node(root: Path) -> None:
    edit(
        root,
        FLOW,
        "\nverdicts:\n",
        '\n  orphan:\n    type: info\n    text: {fr: "Orphelin", en: "Orphan"}\n'
        "    next: verdict\n\nverdicts:\n",
    )
    line = line_of(root, FLOW, "  orphan:")
    reported(rejected(root), FLOW, line, "« orphan » inaccessible")


def test_flow_cycle(root: Path) -> None:
    edit(
        root,
        FLOW,
        "  scale:\n    type: question\n",
        "  scale:\n    type: question\n    next: role\n",
    )
    line = line_of(root, FLOW, "next: role")
    problem = reported(rejected(root), FLOW, line, "boucle")
    assert "scale -> role" in problem.message


def test_flow_choice_not_a_value_of_its_fact(root: Path) -> None:
    edit(
        root,
        FLOW,
        "choices: [contact, identity, sensitive]",
        "choices: [contact, identity, sensible]",
    )
    line, column = where(root, FLOW, "sensible]")
    reported(
        rejected(root),
        FLOW,
        line,
        "valeur « sensible » inconnue pour « data_category »",
        "contact, identity, sensitive, na",
        column=column,
    )


@pytest.mark.parametrize(
    ("mutated", "fragments"),
    [
        pytest.param(
            '{fact: confidentialty, in: ["yes", "unknown"]}',
            ("fait inconnu « confidentialty »", "confidentiality"),
            id="unknown-fact",
        ),
        pytest.param(
            '{fact: confidentiality, in: ["yes", "unknwn"]}',
            ("valeur « unknwn » inconnue", "yes, no, unknown"),
            id="unknown-value",
        ),
        pytest.param(
            '{fact: confidentiality, in: ["yes", unknown, no]}',
            ("guillemets",),
            id="unquoted-no",
        ),
    ],
)
def test_flow_condition_on_unknown_fact_or_value(
    root: Path, mutated: str, fragments: tuple[str, ...]
) -> None:
    edit(root, FLOW, '{fact: confidentiality, in: ["yes", "unknown"]}', mutated)
    line = line_of(root, FLOW, "  CONF_AT_RISK:")
    reported(rejected(root), FLOW, line, *fragments)


@pytest.mark.parametrize(
    ("mutated", "fragment"),
    [
        pytest.param('{in: ["yes", "unknown"]}', "condition sans « fact »", id="no-fact"),
        pytest.param('{fact: confidentiality, in: "yes"}', "attendent une liste", id="in-not-list"),
        pytest.param("{ref: LOOP}\n  LOOP: {ref: CONF_AT_RISK}", "circulaires", id="ref-loop"),
    ],
)
def test_flow_malformed_condition_is_an_error_not_a_crash(
    root: Path, mutated: str, fragment: str
) -> None:
    edit(root, FLOW, '{fact: confidentiality, in: ["yes", "unknown"]}', mutated)
    reported(rejected(root), FLOW, line_of(root, FLOW, "  CONF_AT_RISK:"), fragment)


def test_flow_two_verdicts_for_the_same_answers(root: Path) -> None:
    edit(
        root,
        FLOW,
        "    when: {all: [{ref: CONTROLLER}, {not: {ref: RISK}}, {not: {ref: HIGH_RISK}}, "
        "{not: {ref: NOTHING_AFFECTED}}]}",
        "    when: {all: [{ref: CONTROLLER}, {not: {ref: HIGH_RISK}}, "
        "{not: {ref: NOTHING_AFFECTED}}]}",
    )
    first = line_of(root, FLOW, "- id: document_only") + 1
    second = line_of(root, FLOW, "- id: notify_authority") + 1
    reported(
        rejected(root),
        FLOW,
        first,
        "« document_only »",
        f"« notify_authority » (ligne {second})",
    )


def test_flow_answers_with_no_verdict(root: Path) -> None:
    edit(
        root,
        FLOW,
        "when: {all: [{ref: CONTROLLER}, {ref: HIGH_RISK}]}",
        "when: {all: [{ref: CONTROLLER}, {ref: HIGH_RISK}, {fact: scale, is: many}]}",
    )
    line = line_of(root, FLOW, "\nverdicts:\n") + 1
    problem = reported(rejected(root), FLOW, line, "aucun verdict", "scale=few")
    assert "un seul verdict" in problem.message


def test_flow_broken_invariant(root: Path) -> None:
    edit(root, FLOW, "  - {if: HIGH_RISK, then: RISK}", "  - {if: RISK, then: HIGH_RISK}")
    line = line_of(root, FLOW, "{if: RISK, then: HIGH_RISK}")
    reported(rejected(root), FLOW, line, "RISK", "HIGH_RISK")


# ------------------------------------------------------------- all at once


def test_every_error_in_every_file_is_reported_at_once_sorted(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["content", "check", str(root)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("contenu valide : ")

    edit(
        root,
        FLOW,
        "  scale:\n    type: question\n",
        "  scale:\n    type: question\n    next: nowhere\n",
    )
    edit(root, "content/ui.yaml", "  help:\n", "  help:\n    es: 'hola'\n")
    edit(root, GDPR_ANSWERS, BULLET, BULLET.replace(".\n", ".<br>\n"))
    edit(root, GDPR_INTENTS, PHRASING, "      - no\n")
    expected = {
        (FLOW, line_of(root, FLOW, "next: nowhere")),
        ("content/ui.yaml", line_of(root, "content/ui.yaml", "es: 'hola'")),
        (GDPR_ANSWERS, line_of(root, GDPR_ANSWERS, "<br>")),
        (GDPR_INTENTS, line_of(root, GDPR_INTENTS, "- no\n")),
    }

    assert cli.main(["content", "check", str(root)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    parsed = [PROBLEM_LINE.match(line) for line in lines]
    assert all(parsed), out
    keys = [(m["path"], int(m["line"]), int(m["col"])) for m in parsed if m]
    assert keys == sorted(keys), out
    assert expected <= {(path, line) for path, line, _ in keys}, out
    errors_printed = [line for line in lines if ": avertissement : " not in line]
    assert f"{len(errors_printed)} erreur(s)" in err
    assert "Traceback" not in out + err


# ------------------------------------------------------------- properties

YAMLISH = st.lists(
    st.sampled_from(
        [
            "\n",
            "  ",
            "    ",
            "\t",
            "- ",
            "a",
            "b",
            "key",
            ": ",
            ":",
            '"',
            "'",
            "#",
            "|",
            ">",
            "[",
            "]",
            "{",
            "}",
            ",",
            "&x ",
            "*x",
            "!!int ",
            "!!str ",
            "!!timestamp ",
            "?",
            "%",
            "---",
            "...",
            "no",
            "on",
            "~",
            "2026-02-30",
            "2026-01-01",
            "1e3",
            "0x1F",
            "é",
            "\\",
            "\x0b",
            "\u2028",
            "\ufeff",
            "<<: ",
            "@",
            "`",
        ]
    ),
    max_size=40,
).map("".join)


def _lines(text: str) -> int:
    return len(LINE_BREAKS.split(text))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), YAMLISH))
def test_parse_yaml_never_raises(text: str) -> None:
    doc, problems = parse_yaml(text, "x.yaml")
    assert doc is not None or problems
    for problem in problems:
        assert problem.path == "x.yaml"
        assert 1 <= problem.line <= _lines(text), (problem, text)
        assert problem.column >= 1
        assert problem.message


@pytest.fixture(scope="module")
def minimal_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("minimal")
    (base / "content/reference").mkdir(parents=True)
    (base / "content/answers").mkdir()
    (base / "intents").mkdir()
    for name in ("association.yaml", "ui.yaml"):
        shutil.copy(ROOT / "content" / name, base / "content" / name)
    (base / "content/reference/catalogue.yaml").write_text("topics: []\n", encoding="utf-8")
    return base


def _write_minimal(base: Path, fr: list[str], en: list[str], text: str) -> None:
    intents = {"intents": {"test.topic": {"fr": fr, "en": en}}}
    localized = {"title": "Titre", "text": text, "sources": "RGPD art. 5"}
    answers = {
        "answers": {
            "test.topic": {
                "last_reviewed": TODAY,
                "fr": localized,
                "en": {**localized, "title": "Title"},
            }
        }
    }
    for rel, data in (("intents/test.yaml", intents), ("content/answers/test.yaml", answers)):
        (base / rel).write_text(_dump_like_an_editor(data), encoding="utf-8")


# YAML reads these as line breaks even inside a quoted scalar, yet PyYAML's emitter writes
# them raw when allow_unicode is on: a file written that way does not say what was meant.
_YAML_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def _dump_like_an_editor(data: object) -> str:
    """UTF-8 YAML as an editor saves it; escaped only where raw text would not read back."""
    raw = yaml.safe_dump(data, allow_unicode=True)
    if any(mark in raw for mark in _YAML_LINE_BREAKS):
        return yaml.safe_dump(data, allow_unicode=False)
    return raw


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fr=st.lists(st.text(), min_size=1, max_size=4),
    en=st.lists(st.text(), min_size=1, max_size=3),
    text=st.text(),
)
@example(fr=["  bonjour vigie ", "no"], en=["yes: sure", "{x}"], text="<b>Oui</b> {{ok}}")
@example(fr=["x"], en=["0\x850"], text="a\u2028b\u2029c")  # YAML line breaks inside a scalar
def test_any_phrasing_or_answer_text_never_crashes_the_loader(
    minimal_root: Path, fr: list[str], en: list[str], text: str
) -> None:
    _write_minimal(minimal_root, fr, en, text)
    content, problems = load_root(minimal_root, today=TODAY)
    files = {
        "intents/test.yaml": _lines((minimal_root / "intents/test.yaml").read_text("utf-8")),
        "content/answers/test.yaml": _lines(
            (minimal_root / "content/answers/test.yaml").read_text("utf-8")
        ),
    }
    for problem in errors(problems):
        assert problem.path in files, problem
        assert 1 <= problem.line <= files[problem.path], problem
    if content is None:
        assert errors(problems)
        return
    for lang, given_phrasings in (("fr", fr), ("en", en)):
        loaded = content.intents["test.topic"].examples[lang]
        assert len(loaded) == len(given_phrasings)
        for phrasing, original in zip(loaded, given_phrasings, strict=True):
            assert phrasing and phrasing in original  # kept as text, only trimmed
            assert phrasing.strip() == original.strip()
    stored = content.answers["test.topic"].texts["fr"].text
    assert stored.strip() == text.replace("{{", "{").replace("}}", "}").strip()


# ------------------------------------------- interface texts, self-check topics, dates


def test_unknown_placeholder_in_an_interface_text(root: Path) -> None:
    rel = "content/ui.yaml"
    edit(root, rel, "Je suis <b>Vigie</b>,", "Je suis <b>Vigie</b> {nom},")
    problems = rejected(root)
    reported(problems, rel, line_of(root, rel, "{nom}"), "variable inconnue nom", "{name}")


def test_self_check_action_to_an_unknown_topic(root: Path) -> None:
    rel = "content/flows/security_checkup.yaml"
    edit(root, rel, "topic: security.backups", "topic: security.backupz")
    problems = rejected(root)
    reported(problems, rel, line_of(root, rel, "security.backupz"), "sujet inconnu")


def test_review_date_in_the_future(root: Path) -> None:
    rel = "content/answers/gdpr.yaml"
    line = set_reviewed(root, "2062-11-29")
    problems = rejected(root)
    assert any(p.path == rel and "futur" in p.message for p in errors(problems)), show(problems)
    assert line >= 1
