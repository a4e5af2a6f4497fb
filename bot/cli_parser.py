"""The `vigie` command line: every sub-command, every argument explained, with an example.

`vigie --help` and `vigie COMMAND --help` are the operator's manual at hand;
tests/test_cli_help.py checks that each argument has a help text and each
command an example.
"""

from __future__ import annotations

import argparse

from bot import __version__

LANG_HELP = "answer in this language (default: the member's, else French)"


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks."""


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _sub(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    summary: str,
    *examples: str,
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, description=summary[0].upper() + summary[1:] + ".",
        epilog=_examples(*examples), formatter_class=_Formatter,
    )  # fmt: skip
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vigie",
        description="Vigie: GDPR and IT-security assistant for health practices, in Telegram.",
        epilog=_examples(
            "vigie init ~/vigie-content        # your association's copy of the content",
            "vigie content check ~/vigie-content",
            "TELEGRAM_BOT_TOKEN=... vigie run  # the bot",
            "vigie chat                        # try it in the terminal",
            "vigie COMMAND --help              # the details of one command",
        ),
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"vigie {__version__}",
                        help="print the version and exit")  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = _sub(sub, "init", "copy the shipped content into DIR for your association to edit",
                "vigie init ~/vigie-content",
                "vigie init /srv/vigie/content --name 'URPS Médecins' --email rgpd@urps.fr "
                "--phone '01 02 03 04 05' --dpo dpo@urps.fr "
                "--privacy-url https://urps.fr/vigie")  # fmt: skip
    init.add_argument("dir", metavar="DIR", help="a folder that does not exist yet")
    init.add_argument("--name", help="the association's name, as members will read it")
    init.add_argument("--email", help="the e-mail members write to about their data")
    init.add_argument("--phone", help="the phone number members can call")
    init.add_argument("--dpo", help="the DPO's e-mail; give an empty value if there is none")
    init.add_argument("--privacy-url", dest="privacy_url",
                      help="the https:// address of the association's privacy policy")

    chat = _sub(sub, "chat", "chat with Vigie in the terminal (buttons are numbered)",
                "vigie chat", "printf '/start\\n1\\n' | vigie chat --lang fr")  # fmt: skip
    chat.add_argument("--lang", choices=["fr", "en"], help=LANG_HELP)
    chat.add_argument("--out", metavar="DIR",
                      help="where to write the documents (.docx) (default: the current folder)")

    run = _sub(sub, "run", "run the Telegram bot (long polling, or a webhook)",
               "TELEGRAM_BOT_TOKEN=123:ABC vigie run",
               "vigie run --webhook-url https://bot.example.org/telegram --port 8443")
    run.add_argument("--webhook-url", metavar="URL",
                     help="receive updates on this public https URL instead of polling")
    run.add_argument("--listen", default="127.0.0.1", metavar="HOST",
                     help="address the webhook server listens on (default: %(default)s)")
    run.add_argument("--port", type=int, default=8443,
                     help="port the webhook server listens on (default: %(default)s)")

    ask = _sub(sub, "ask", "match one question and print the answer",
               "vigie ask 'combien de temps pour notifier la cnil ?'",
               "vigie ask 'lost laptop' --lang en --json")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--lang", choices=["fr", "en"], help=LANG_HELP)
    ask.add_argument("--json", action="store_true",
                     help="print {topic, decision, score, alternatives, lang} as JSON")

    content = _sub(sub, "content", "content tools", "vigie content check ~/vigie-content")
    content_sub = content.add_subparsers(dest="content_command", required=True,
                                         metavar="SUBCOMMAND")
    check = _sub(content_sub, "check", "validate all content (file:line for each problem)",
                 "vigie content check", "vigie content check ~/vigie-content")
    check.add_argument("dir", nargs="?", metavar="DIR",
                       help="a folder holding content/ and intents/ "
                            "(default: VIGIE_CONTENT_DIR, else the shipped content)")

    ev = _sub(sub, "eval", "measure the matcher on labelled questions",
              "vigie eval", "vigie eval tests/eval/situations.yaml --json",
              "vigie eval --cross-validate --folds 5")
    ev.add_argument("file", nargs="?", metavar="FILE",
                    help="a YAML list of {q, topic} (default: tests/eval/questions.yaml)")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.add_argument("--cross-validate", action="store_true",
                    help="hold out part of the example phrasings instead of reading FILE")
    ev.add_argument("--folds", type=int, default=5,
                    help="number of folds for --cross-validate (default: %(default)s)")
    ev.add_argument("--details", action="store_true",
                    help="also list every question with its decision, topic and alternatives")

    flow = _sub(sub, "flow", "guided flows", "vigie flow graph breach_notification")
    flow_sub = flow.add_subparsers(dest="flow_command", required=True, metavar="SUBCOMMAND")
    graph = _sub(flow_sub, "graph", "print a flow as a Mermaid diagram",
                 "vigie flow graph breach_notification > flow.mmd")
    graph.add_argument("flow_id", metavar="FLOW", help="the flow's id (a file in content/flows)")
    graph.add_argument("--lang", choices=["fr", "en"], default="fr",
                       help="language of the labels (default: %(default)s)")
    frun = _sub(flow_sub, "run", "walk a flow with facts from a file",
                "vigie flow run breach_notification --facts facts.yaml --now 2026-02-03T14:30")
    frun.add_argument("flow_id", metavar="FLOW", help="the flow's id (a file in content/flows)")
    frun.add_argument("--facts", required=True, metavar="FILE",
                      help="a YAML mapping of the flow's questions to answers")
    frun.add_argument("--now", metavar="ISO", help="the current time, e.g. 2026-02-03T14:30")
    frun.add_argument("--json", action="store_true", help="print the verdict as JSON")
    frun.add_argument("--lang", choices=["fr", "en"], default="fr",
                      help="language of the verdict (default: %(default)s)")
    frun.add_argument("--out", metavar="DIR",
                      help="write the documents a member would receive (.docx) into DIR")

    stats = _sub(sub, "stats", "anonymous usage counters per day and topic",
                 "vigie stats", "vigie stats --days 7 --json")
    stats.add_argument("--days", type=int, default=30,
                       help="how many days back (default: %(default)s)")
    stats.add_argument("--json", action="store_true", help="print the counters as JSON")
    _sub(sub, "unmatched", "redacted unmatched questions, grouped (when VIGIE_UNMATCHED_LOG=1)",
         "vigie unmatched")

    bc = _sub(sub, "broadcast", "security alerts to subscribers",
              "vigie broadcast send alerte.md --dry-run", "vigie broadcast status")
    bc_sub = bc.add_subparsers(dest="broadcast_command", required=True, metavar="SUBCOMMAND")
    send = _sub(bc_sub, "send", "enqueue an alert and deliver it",
                "vigie broadcast send alerte.md --dry-run   # preview, no token needed",
                "vigie broadcast send alerte.md --category urgent --yes")
    send.add_argument("file", metavar="FILE.md",
                      help="the alert in Markdown/HTML, optional front matter 'category: ...'")
    send.add_argument("--category", help="the subscribers' category (default: the file's, "
                                         "else the default category)")
    send.add_argument("--yes", action="store_true", help="send without asking to confirm")
    send.add_argument("--dry-run", action="store_true",
                      help="show the alert and count its recipients; queue and send nothing")
    status = _sub(bc_sub, "status", "status of recent broadcasts, or of one",
                  "vigie broadcast status", "vigie broadcast status 12")
    status.add_argument("id", nargs="?", type=int, metavar="ID",
                        help="one broadcast (default: the 20 most recent)")
    resume = _sub(bc_sub, "resume", "finish an interrupted or paused broadcast",
                  "vigie broadcast resume 12")
    resume.add_argument("id", type=int, metavar="ID", help="the broadcast's number")
    cancel = _sub(bc_sub, "cancel", "cancel a broadcast", "vigie broadcast cancel 12")
    cancel.add_argument("id", type=int, metavar="ID", help="the broadcast's number")
    return parser
