"""libyaml reads the content at start-up; PyYAML's own loader must agree with it.

`bot.content.yamlsource.parse_yaml` composes with libyaml (30 times faster) and falls
back to the pure-Python loader when libyaml is missing or refuses the text. Whatever
the path, staff see the same data, the same positions and the same problems.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import yamlsource
from bot.content.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
CONTENT_FILES = sorted(
    [*ROOT.glob("content/**/*.yaml"), *ROOT.glob("intents/*.yaml")], key=str
)


def parsed(text: str, *, libyaml: bool, monkeypatch: pytest.MonkeyPatch) -> tuple:
    with monkeypatch.context() as patch:
        patch.setattr(yaml, "__with_libyaml__", libyaml)
        doc, problems = parse_yaml(text, "x.yaml")
    if doc is None:
        return None, problems
    return (doc.data, doc.positions, doc.unquoted, doc.blocks), problems


@pytest.mark.parametrize("path", CONTENT_FILES, ids=lambda p: p.name)
def test_the_shipped_content_reads_the_same_with_either_loader(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text(encoding="utf-8")
    fast = parsed(text, libyaml=True, monkeypatch=monkeypatch)
    assert fast[0] is not None and fast[1] == []
    assert fast == parsed(text, libyaml=False, monkeypatch=monkeypatch)


def test_the_fast_path_is_taken_when_libyaml_is_there() -> None:
    assert yaml.__with_libyaml__, "PyYAML's wheels ship libyaml: start-up needs it"
    assert yamlsource._compose_fast("a: 1\n") is not None


@pytest.mark.parametrize(
    "text",
    [
        "a: [b\n",  # unclosed flow sequence
        'a: "b\n',  # unclosed quote
        "a: b\n\x00",  # forbidden character
        'a: "\ud800"\n',  # a lone surrogate, which libyaml cannot even receive
        "a: 1\na: 2\n",  # duplicated key
        "a: !!python/object:os.system x\n",  # a tag the safe loader refuses
        "a: 2026-02-30\n",  # impossible date
        "---\na: 1\n---\nb: 2\n",  # two documents
    ],
)
def test_broken_texts_get_the_same_problem_either_way(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = parsed(text, libyaml=True, monkeypatch=monkeypatch)
    assert fast[1], "each of these texts has a problem to report"
    assert fast == parsed(text, libyaml=False, monkeypatch=monkeypatch)


_LINES = st.sampled_from(
    ["a:", "  b: oui", "  - x", "- y", "c: |", "  texte", 'd: "q"', "e: no", "f: 3",
     "g: [1, 2]", "h: {i: j}", "  k: 2026-12-05", "l: &x v", "m: *x", "n:  # note", "  ", ""]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_LINES, st.text(max_size=12)), max_size=8))
def test_any_text_reads_the_same_with_either_loader(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert parsed(text, libyaml=True, monkeypatch=monkeypatch) == parsed(
            text, libyaml=False, monkeypatch=monkeypatch
        )
