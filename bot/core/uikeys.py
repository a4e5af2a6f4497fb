"""Interface text keys the core uses; `content/ui.yaml` must define each in fr and en."""

from bot.core.commands import MEMBER_COMMANDS

_STATIC = """
    welcome help menu.notify menu.security menu.alerts menu.ask button.menu ask.prompt
    answer.sources clarify clarify.none fallback expired command.unknown media.only_text
    group.private_only forget.done language.choose language.set why.nothing why.explain
    flood.slow_down error.internal flow.progress flow.back flow.cancel flow.restart
    flow.resume flow.continue flow.cancelled flow.no_help flow.recap flow.edit
    flow.confirm flow.resume_prompt flow.paused date.prompt date.invalid date.future
    date.today date.yesterday date.day_before date.three_days date.other verdict.title
    verdict.why verdict.next_steps verdict.disclaimer deadline.due deadline.overdue
    deadline.from_midnight why.decision.answer why.decision.clarify why.decision.fallback
    number.not_a_button flow.tap_a_button not_covered patient_data.warning
    answer.see_also
    documents.intro documents.none documents.purpose.notification documents.purpose.register
    documents.purpose.patient_letter documents.purpose.action_plan documents.delay.overdue
    reminder.offer reminder.scheduled reminder.scheduled_overdue reminder.too_late
    reminder.message reminder.message_overdue reminder.done_button reminder.cancelled
    reminder.unavailable
    documents.delay.on_time plan.how plan.why plan.references score.title score.perfect
    score.actions score.unknown
    score.privacy alerts.subscribed alerts.status alerts.stored alerts.unsubscribe
    alerts.unsubscribed alerts.resubscribe alerts.unavailable whoami.private whoami.group
""".split()
_OUTPUTS = [
    f"output.{key}.{flag}"
    for key in ("notify_authority", "inform_data_subjects", "document", "inform_controller")
    for flag in ("true", "false")
]
REQUIRED_UI_KEYS: frozenset[str] = frozenset(
    [*_STATIC, *_OUTPUTS, *(f"command.desc.{c.name}" for c in MEMBER_COMMANDS)]
)

# The placeholders each interface text receives; any other `{name}` is a content error
# (it would crash, or be shown raw to the member).
UI_PARAMS: dict[str, frozenset[str]] = {
    "welcome": frozenset({"name"}),
    "fallback": frozenset({"email", "phone"}),
    "not_covered": frozenset({"email", "phone"}),
    "flow.progress": frozenset({"n", "total"}),
    "flow.edit": frozenset({"n"}),
    "flow.resume_prompt": frozenset({"title"}),
    "flow.paused": frozenset({"title"}),
    "why.explain": frozenset({"title", "decision", "example", "score"}),
    "number.not_a_button": frozenset({"n"}),
    "deadline.due": frozenset({"due", "remaining"}),
    "deadline.overdue": frozenset({"due"}),
    "score.title": frozenset({"score"}),
    "documents.delay.overdue": frozenset({"due"}),
    "reminder.scheduled": frozenset({"due", "times"}),
    "reminder.scheduled_overdue": frozenset({"due", "times"}),
    "reminder.too_late": frozenset({"due"}),
    "reminder.message": frozenset({"due", "remaining"}),
    "reminder.message_overdue": frozenset({"due"}),
    "documents.delay.on_time": frozenset({"due"}),
    "whoami.private": frozenset({"id"}),
}
