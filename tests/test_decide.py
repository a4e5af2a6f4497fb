"""A flow's result on a small hand-made flow: the one verdict, its notes, next steps and
deadline, the JSON the CLI prints, and the self-check score with its actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.flows.decide import NoVerdictError, decide, score
from bot.core.flows.model import CheckItem, Flow, NextStep, Node, Note, Reason, Text, Verdict

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def text(fr: str) -> Text:
    return Text({"fr": fr, "en": f"{fr} (en)"})


NOTIFY = Verdict(
    "notify", {"fact": "risk", "is": "yes"}, {"notify_authority": True, "document": True},
    text("notifier"), (Reason(text("risque"), ("art. 33", "art. 34")),),
)
KEEP = Verdict(
    "keep", {"ref": "no_risk"}, {"document": True}, text("documenter"),
    (Reason(text("pas de risque"), ("art. 33",)),),
)


def breach(deadline_hours: int | None = 72, verdicts: tuple[Verdict, ...] = (NOTIFY, KEEP)
           ) -> Flow:
    return Flow(
        "breach", text("titre"), text("intro"), "risk", {}, {},
        definitions={"no_risk": {"fact": "risk", "is": "no"},
                     "health_data": {"fact": "health", "is": "yes"}},
        verdicts=verdicts,
        notes=(
            Note("health", {"ref": "health_data"}, text("santé"), ("art. 9", "art. 34")),
            Note("never", {"fact": "health", "is": "never"}, text("jamais"), ("art. 1",)),
        ),
        next_steps=(
            NextStep(None, text("toujours")),
            NextStep({"ref": "health_data"}, text("si santé")),
            NextStep({"fact": "health", "is": "no"}, text("sinon")),
        ),
        deadline_hours=deadline_hours,
    )


def test_the_one_matching_verdict_comes_with_its_notes_and_next_steps() -> None:
    result = decide(breach(), {"risk": "yes", "health": "yes"}, NOW)
    assert result.verdict is NOTIFY
    assert [n.id for n in result.notes] == ["health"]
    assert [s.text("fr") for s in result.next_steps] == ["toujours", "si santé"]
    assert result.articles() == ["art. 33", "art. 34", "art. 9"]
    assert result.reasons() == NOTIFY.reasons and result.outputs == NOTIFY.outputs


def test_no_verdict_or_two_verdicts_is_a_content_error_naming_them() -> None:
    with pytest.raises(NoVerdictError) as none:
        decide(breach(), {"risk": "maybe"}, NOW)
    assert str(none.value) == "0 verdicts match (none)"
    twice = breach(verdicts=(NOTIFY, KEEP, NOTIFY))
    with pytest.raises(NoVerdictError) as two:
        decide(twice, {"risk": "yes"}, NOW)
    assert str(two.value) == "2 verdicts match (notify, notify)"


def test_the_deadline_runs_from_awareness_when_the_authority_must_be_told() -> None:
    result = decide(breach(), {"risk": "yes", "aware_at": "2026-03-01T10:00:00+00:00"}, NOW)
    assert result.deadline is not None
    assert result.deadline.due == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    assert result.deadline.exact is True and result.deadline.overdue is False
    day_only = decide(breach(), {"risk": "yes", "aware_at": "2026-03-01"}, NOW)
    assert day_only.deadline is not None and day_only.deadline.exact is False
    six_hours = decide(breach(6), {"risk": "yes", "aware_at": "2026-03-01T10:00:00+00:00"}, NOW)
    assert six_hours.deadline is not None and six_hours.deadline.overdue is True
    assert six_hours.deadline.due == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(("flow", "answers"), [
    (breach(), {"risk": "no", "aware_at": "2026-03-01T10:00:00+00:00"}),  # nothing to notify
    (breach(), {"risk": "yes"}),  # awareness not given
    (breach(None), {"risk": "yes", "aware_at": "2026-03-01T10:00:00+00:00"}),  # no deadline
])
def test_no_deadline_without_notification_awareness_or_a_flow_deadline(
    flow: Flow, answers: dict[str, str]
) -> None:
    assert decide(flow, answers, NOW).deadline is None


def test_the_verdict_json_has_every_output_in_french_by_default() -> None:
    answers = {"risk": "yes", "health": "yes", "aware_at": "2026-03-01T10:00:00+00:00"}
    result = decide(breach(), answers, NOW)
    assert result.as_json() == {
        "notify_authority": True, "inform_data_subjects": False, "document": True,
        "inform_controller": False,
        "deadline": "2026-03-04T11:00:00+01:00", "overdue": False,
        "reasons": ["risque", "santé"], "articles": ["art. 33", "art. 34", "art. 9"],
        "verdict_id": "notify", "notes": ["health"],
    }
    assert result.as_json("en")["reasons"] == ["risque (en)", "santé (en)"]
    late = decide(breach(6), answers, NOW).as_json()
    assert late["overdue"] is True
    kept = decide(breach(), {"risk": "no"}, NOW).as_json()
    assert (kept["deadline"], kept["overdue"], kept["notify_authority"]) == (None, False, False)


def check(weight: int, priority: int, topic: str | None = None) -> CheckItem:
    return CheckItem(weight, priority, topic, text(f"agir {weight}/{priority}"))


def self_check(*checks: tuple[str, CheckItem | None]) -> Flow:
    nodes = {"info": Node("info", "info")}  # a node without a check comes first
    nodes.update({fact: Node(fact, "question", fact=fact, check=item) for fact, item in checks})
    return Flow("security", text("titre"), text("intro"), "info", {}, nodes)


def test_the_score_is_the_rounded_share_of_weights_answered_yes() -> None:
    flow = self_check(("a", check(1, 2)), ("b", check(2, 1)), ("c", check(3, 1)),
                      ("d", None))
    assert score(flow, {"a": "yes", "b": "no", "c": "no", "d": "no"}).score == 17  # 1/6
    assert score(flow, {"a": "yes", "b": "yes", "c": "no"}).score == 50
    assert score(flow, {"a": "yes", "b": "yes", "c": "yes"}).score == 100
    assert score(flow, {}).score == 0


def test_actions_come_by_priority_then_heaviest_first_and_skip_what_does_not_apply() -> None:
    flow = self_check(("a", check(1, 2, "topic.a")), ("b", check(2, 1)), ("c", check(3, 1)),
                      ("e", check(5, 1)))
    result = score(flow, {"a": "no", "b": "unknown", "c": "no", "e": "na"})
    assert [(a.node.id, a.answer) for a in result.actions] == [
        ("c", "no"), ("b", "unknown"), ("a", "no")]
    assert result.score == 0
    assert result.as_json() == {"score": 0, "actions": [
        {"question": "c", "answer": "no", "topic": None, "action": "agir 3/1"},
        {"question": "b", "answer": "unknown", "topic": None, "action": "agir 2/1"},
        {"question": "a", "answer": "no", "topic": "topic.a", "action": "agir 1/2"},
    ]}
    assert result.as_json("en")["actions"][0]["action"] == "agir 3/1 (en)"


def test_only_not_applicable_answers_score_zero_without_actions() -> None:
    flow = self_check(("a", check(1, 1)))
    result = score(flow, {"a": "na"})
    assert (result.score, result.actions) == (0, ())


def test_a_moment_in_paris_time_and_in_utc_give_the_same_deadline() -> None:
    paris = decide(breach(), {"risk": "yes", "aware_at": "2026-03-01T11:00:00"}, NOW)
    utc = decide(breach(), {"risk": "yes", "aware_at": "2026-03-01T10:00:00+00:00"}, NOW)
    assert paris.deadline is not None and utc.deadline is not None
    assert paris.deadline.due == utc.deadline.due
    assert paris.deadline.remaining == timedelta(hours=46)


def test_questions_after_one_not_applicable_still_count() -> None:
    flow = self_check(("a", check(1, 1)), ("b", check(1, 1)), ("c", check(2, 1)))
    result = score(flow, {"a": "na", "b": "yes", "c": "no"})
    assert (result.score, [a.node.id for a in result.actions]) == (33, ["c"])
    assert result.flow is flow


def test_the_verdict_result_names_its_flow() -> None:
    flow = breach()
    assert decide(flow, {"risk": "no"}, NOW).flow is flow
