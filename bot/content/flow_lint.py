"""Lint a flow: references and values, reachability, cycles, dead ends, texts; and,
by walking every answer path with the real engine, exactly one verdict per path
and every declared invariant true.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.content.document_lint import ASSOCIATION_PLACEHOLDERS
from bot.content.errors import Problem
from bot.content.flow_schema import OUTPUT_KEYS, FlowFile, build_flow
from bot.content.link_lint import link_warnings
from bot.content.yamlsource import Location, YamlDocument
from bot.core import templates
from bot.core.drafts.action_plan import PLAN_PLACEHOLDERS
from bot.core.drafts.breach import BREACH_PLACEHOLDERS
from bot.core.flows import explore
from bot.core.flows.conditions import OPERATORS, evaluate, values_used
from bot.core.flows.decide import matching_verdicts
from bot.core.flows.model import TERMINAL, Flow
from bot.core.html import html_errors


def _condition_problems(
    cond: Any, loc: tuple[str | int, ...], spec: FlowFile, doc: YamlDocument
) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(cond, Mapping) or not cond:
        return [doc.problem(loc, "condition attendue (fact/is/in, all, any, not, ref)")]
    unknown = set(cond) - OPERATORS
    if unknown:
        problems.append(
            doc.problem(
                loc,
                f"opérateur inconnu {sorted(unknown)} (attendu : {', '.join(sorted(OPERATORS))})",
            )
        )
    if not cond.keys() & {"fact", "all", "any", "not", "ref"}:
        problems.append(doc.problem(loc, "condition sans « fact » (ex. {fact: scale, is: few})"))
    for key in ("all", "any"):
        if key in cond:
            items = cond[key]
            if not isinstance(items, list) or not items:
                problems.append(doc.problem((*loc, key), f"« {key} » attend une liste"))
                continue
            for i, child in enumerate(items):
                problems += _condition_problems(child, (*loc, key, i), spec, doc)
    if "not" in cond:
        problems += _condition_problems(cond["not"], (*loc, "not"), spec, doc)
    if "ref" in cond and cond["ref"] not in spec.definitions:
        problems.append(doc.problem(loc, f"définition inconnue « {cond['ref']} »"))
    if "fact" in cond:
        fact = spec.facts.get(str(cond["fact"]))
        if fact is None:
            problems.append(
                doc.problem(
                    loc,
                    f"fait inconnu « {cond['fact']} » (faits : {', '.join(spec.facts) or 'aucun'})",
                )
            )
        elif not any(k in cond for k in ("is", "in", "not_in")):
            problems.append(doc.problem(loc, "« fact » sans « is », « in » ou « not_in »"))
        else:
            raw = [cond.get("is")] + [
                v for k in ("in", "not_in") if isinstance(cond.get(k), list) for v in cond[k]
            ]
            if any(isinstance(v, bool) for v in raw):
                problems.append(
                    doc.problem(
                        loc,
                        "yes/no/on/off sans guillemets sont lus comme vrai/faux : mettez "
                        'les valeurs entre guillemets (ex. is: "no")',
                    )
                )
            elif any(not isinstance(cond[k], list) for k in ("in", "not_in") if k in cond):
                problems.append(doc.problem(loc, "« in » et « not_in » attendent une liste [a, b]"))
            else:
                for fid, value in values_used(
                    {k: cond[k] for k in ("fact", "is", "in", "not_in") if k in cond}
                ):
                    if value not in fact.values:
                        problems.append(
                            doc.problem(
                                loc,
                                f"valeur « {value} » inconnue pour le fait "
                                f"« {fid} » (valeurs : {', '.join(fact.values)})",
                            )
                        )
    return problems


def _refs(cond: Any) -> list[str]:
    """The definitions a condition refers to, directly."""
    if isinstance(cond, list):
        return [r for child in cond for r in _refs(child)]
    if not isinstance(cond, Mapping):
        return []
    found = [str(cond["ref"])] if "ref" in cond else []
    return found + [r for key in ("all", "any", "not") if key in cond for r in _refs(cond[key])]


def _definition_loop(definitions: Mapping[str, Any]) -> list[str] | None:
    """A cycle of definitions referring to each other, or None."""
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> list[str] | None:
        if name in trail:
            return [*trail[trail.index(name) :], name]
        if name in done or name not in definitions:
            return None
        for ref in _refs(definitions[name]):
            found = visit(ref, [*trail, name])
            if found:
                return found
        done.add(name)
        return None

    for name in definitions:
        found = visit(name, [])
        if found:
            return found
    return None


def lint_flow_spec(spec: FlowFile, doc: YamlDocument) -> list[Problem]:
    """Structure: references, values, reachability, cycles, dead ends."""
    problems: list[Problem] = []
    if spec.flow.start not in spec.nodes:
        problems.append(
            doc.problem(("flow", "start"), f"nœud de départ inconnu « {spec.flow.start} »")
        )
    for name, cond in spec.definitions.items():
        problems += _condition_problems(cond, ("definitions", name), spec, doc)
    loop = _definition_loop(spec.definitions)
    if loop:
        problems.append(
            doc.problem(
                ("definitions", loop[0]),
                f"définitions circulaires : {' -> '.join(loop)} (une définition ne peut pas "
                "dépendre d'elle-même)",
            )
        )
    for fid, fact in spec.facts.items():
        if fact.skip_value is not None and fact.skip_value not in fact.values:
            problems.append(
                doc.problem(
                    ("facts", fid, "skip_value"),
                    f"« {fact.skip_value} » n'est pas une valeur de « {fid} »",
                )
            )
    ids = list(spec.nodes)
    for position, (nid, node) in enumerate(spec.nodes.items()):
        loc: tuple[str | int, ...] = ("nodes", nid)
        if node.type in {"question", "date"}:
            if node.fact is None:
                problems.append(doc.problem(loc, f"la question « {nid} » n'indique pas son fait"))
            elif node.type == "question" and node.fact not in spec.facts:
                problems.append(doc.problem((*loc, "fact"), f"fait inconnu « {node.fact} »"))
            if node.text is None:
                problems.append(doc.problem(loc, f"la question « {nid} » n'a pas de texte"))
        node_fact = spec.facts.get(node.fact or "")
        if node_fact is not None:
            fact = node_fact
            values = f"(valeurs : {', '.join(fact.values)})"
            for i, value in enumerate(node.choices or []):
                if value not in fact.values:
                    problems.append(
                        doc.problem(
                            (*loc, "choices", i),
                            f"valeur « {value} » inconnue pour « {node.fact} » {values}",
                        )
                    )
            for value in node.routes:
                if value not in fact.values:
                    problems.append(
                        doc.problem(
                            (*loc, "routes", value),
                            f"valeur « {value} » inconnue pour « {node.fact} » {values}",
                        )
                    )
        for value, target in node.routes.items():
            if target not in spec.nodes:
                problems.append(
                    doc.problem(
                        (*loc, "routes", value),
                        f"nœud inconnu « {target} » (nœuds : {', '.join(spec.nodes)})",
                    )
                )
        if node.next is not None and node.next not in spec.nodes:
            problems.append(
                doc.problem(
                    (*loc, "next"),
                    f"nœud inconnu « {node.next} » (nœuds : {', '.join(spec.nodes)})",
                )
            )
        if node.type not in TERMINAL and node.next is None and position + 1 >= len(ids):
            problems.append(
                doc.problem(
                    loc,
                    f"« {nid} » ne mène nulle part : le dernier nœud "
                    "doit être un verdict ou un score",
                )
            )
        if node.ask_if is not None:
            problems += _condition_problems(node.ask_if, (*loc, "ask_if"), spec, doc)
    for i, verdict in enumerate(spec.verdicts):
        problems += _condition_problems(verdict.when, ("verdicts", i, "when"), spec, doc)
        missing = [k for k in OUTPUT_KEYS if k not in verdict.outputs]
        if missing:
            problems.append(
                doc.problem(
                    ("verdicts", i, "outputs"), f"sorties manquantes : {', '.join(missing)}"
                )
            )
    seen_notes: dict[str, int] = {}
    for i, note in enumerate(spec.notes):
        problems += _condition_problems(note.when, ("notes", i, "when"), spec, doc)
        if note.id in seen_notes:
            problems.append(
                doc.problem(
                    ("notes", i, "id"),
                    f"remarque « {note.id} » déjà définie (remarque n° {seen_notes[note.id] + 1})",
                )
            )
        seen_notes.setdefault(note.id, i)
    if isinstance(spec.next_steps, list):
        for i, step in enumerate(spec.next_steps):
            if step.when is not None:
                problems += _condition_problems(step.when, ("next_steps", i, "when"), spec, doc)
    for i, inv in enumerate(spec.invariants):
        for name in (inv.if_, inv.then):
            if name not in spec.definitions:
                problems.append(doc.problem(("invariants", i), f"définition inconnue « {name} »"))
    if problems:
        return problems
    flow = build_flow(spec)
    unreachable = [nid for nid in flow.nodes if nid not in explore.reachable(flow)]
    for nid in unreachable:
        problems.append(
            doc.problem(("nodes", nid), f"nœud « {nid} » inaccessible depuis le départ")
        )
    cycle = explore.find_cycle(flow)
    if cycle:
        # Point at the edge that closes the loop: the last node's next or route.
        last, back = cycle[-2], cycle[-1]
        routes = [v for v, target in spec.nodes[last].routes.items() if target == back]
        edge: tuple[str | int, ...] = (
            ("nodes", last, "routes", routes[0]) if routes else ("nodes", last, "next")
        )
        problems.append(
            doc.problem(
                edge,
                f"boucle : {' -> '.join(cycle)} ; un parcours doit toujours avancer "
                "vers un verdict ou un score",
            )
        )
    has_verdict_node = any(n.type == "verdict" for n in flow.nodes.values())
    if has_verdict_node and not flow.verdicts:
        problems.append(doc.problem(("flow",), "un nœud « verdict » exige une liste « verdicts »"))
    return problems


def lint_paths(flow: Flow, doc: YamlDocument) -> list[Problem]:
    """Walk every answer path: one verdict each, invariants hold."""
    problems: list[Problem] = []
    reported: set[str] = set()
    if not flow.verdicts and not flow.invariants:
        return problems  # a score flow: its structure is all there is to check
    index = {v.id: i for i, v in enumerate(flow.verdicts)}
    for path in explore.paths(flow):
        terminal = flow.nodes[path.terminal]
        if terminal.type != "verdict":
            continue
        found = matching_verdicts(flow, path.answers)
        if len(found) != 1:
            key = ",".join(v.id for v in found) or "-"
            if key not in reported:
                reported.add(key)
                combo = ", ".join(f"{k}={v}" for k, v in path.answers.items() if k != "aware_at")
                if not found:
                    problems.append(
                        doc.problem(
                            ("verdicts",),
                            f"aucun verdict pour les réponses {combo} : chaque combinaison "
                            "de réponses doit mener à un seul verdict (ajoutez un verdict "
                            "ou élargissez une condition « when »)",
                        )
                    )
                else:
                    where = [("verdicts", index[v.id], "when") for v in found]
                    others = ", ".join(
                        f"« {v.id} » (ligne {doc.line_of(at)[0]})"
                        for v, at in zip(found[1:], where[1:], strict=True)
                    )
                    problems.append(
                        doc.problem(
                            where[0],
                            f"les verdicts « {found[0].id} » et {others} valent tous pour "
                            f"les réponses {combo} : leurs conditions « when » doivent "
                            "s'exclure",
                        )
                    )
        for position, (if_name, then_name) in enumerate(flow.invariants):
            holds_if = evaluate(flow.definitions[if_name], path.answers, flow.definitions)
            if holds_if and not evaluate(
                flow.definitions[then_name], path.answers, flow.definitions
            ):
                key = f"inv:{if_name}:{then_name}"
                if key not in reported:
                    reported.add(key)
                    combo = ", ".join(
                        f"{k}={v}" for k, v in path.answers.items() if k != "aware_at"
                    )
                    problems.append(
                        doc.problem(
                            ("invariants", position),
                            f"invariant non respecté : {if_name} vrai mais {then_name} faux "
                            f"pour les réponses {combo} (attendu : {if_name} implique "
                            f"{then_name})",
                        )
                    )
    return problems


# A draft once filled with plausible values (it is also sent as a file).
MAX_DOCUMENT_CHARS = 16000
# The placeholders a document template may use: see bot/core/drafts (breach, action plan).
DOCUMENT_PLACEHOLDERS = BREACH_PLACEHOLDERS | PLAN_PLACEHOLDERS | ASSOCIATION_PLACEHOLDERS


def lint_texts(flow: Flow, doc: YamlDocument) -> list[Problem]:
    """HTML shown to members is valid; document templates use known placeholders only."""
    problems: list[Problem] = []
    for lang in ("fr", "en"):
        shown: list[tuple[Location, str]] = [(("flow", "intro", lang), flow.intro(lang))]
        for i, step in enumerate(flow.next_steps):
            where: Location = (
                ("next_steps", lang) if step.when is None else ("next_steps", i, "text", lang)
            )
            shown.append((where, step.text(lang)))
            for message in html_errors(step.text(lang)):
                problems.append(doc.problem(where, f"HTML : {message}"))
        for message in html_errors(flow.intro(lang)):
            problems.append(doc.problem(("flow", "intro", lang), f"HTML : {message}"))
        for where, text in shown:
            for warning in link_warnings(text):
                problems.append(doc.problem(where, warning, warning=True))
        known = DOCUMENT_PLACEHOLDERS | {f"f_{fact}" for fact in flow.facts}
        for key, template in flow.documents.items():
            wrong = templates.problem(template(lang), known)
            if wrong is None and len(templates.sample(template(lang), known)) > MAX_DOCUMENT_CHARS:
                wrong = (
                    f"brouillon trop long une fois rempli (au plus {MAX_DOCUMENT_CHARS} caractères)"
                )
            if wrong:
                problems.append(
                    doc.problem(("documents", key, lang), f"brouillon « {key} » : {wrong}")
                )
    return problems
