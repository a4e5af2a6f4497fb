"""The topic model: complement naive Bayes, checked against the textbook formula."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.matching.topic_model import TopicModel, features, views

CORPUS = [
    ("deadline", "quand dois-je notifier la cnil"),
    ("deadline", "délai de 72 heures pour déclarer une violation"),
    ("deadline", "combien de temps pour notifier"),
    ("who", "qui doit notifier la cnil dans une scm"),
    ("who", "le remplaçant ou le titulaire, qui déclare"),
    ("backup", "sauvegarde externe du cabinet"),
    ("backup", "tester la restauration des sauvegardes"),
]


def train(examples: list[tuple[str, str]]) -> TopicModel:
    return TopicModel((topic, *views(text)) for topic, text in examples)


def dense_log_likelihoods(examples: list[tuple[str, str]], text: str) -> dict[str, float]:
    """Complement naive Bayes as Rennie et al. write it (and scikit-learn computes it)."""
    rows = [(topic, features(*views(t))) for topic, t in examples]
    n = len(rows)
    vocabulary = sorted({term for _, tf in rows for term in tf})
    df = {term: sum(term in tf for _, tf in rows) for term in vocabulary}
    idf = {term: math.log((1 + n) / (1 + df[term])) + 1 for term in vocabulary}

    def vector(tf: dict[str, float]) -> dict[str, float]:
        weighted = {t: v * idf[t] for t, v in tf.items() if t in idf}
        norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
        return {t: v / norm for t, v in weighted.items()}

    topics = sorted({topic for topic, _ in rows})
    counts = {topic: dict.fromkeys(vocabulary, 0.0) for topic in topics}
    for topic, tf in rows:
        for term, value in vector(tf).items():
            counts[topic][term] += value
    everywhere = {term: sum(counts[c][term] for c in topics) for term in vocabulary}
    query = vector(features(*views(text)))
    scores = {}
    for c in topics:
        complement = {term: everywhere[term] - counts[c][term] + 1.0 for term in vocabulary}
        total = sum(complement.values())
        scores[c] = sum(value * -math.log(complement[t] / total) for t, value in query.items())
    return scores


def test_matches_the_dense_formula_up_to_a_shared_constant() -> None:
    model = train(CORPUS)
    for question in ("quand notifier ?", "qui notifie dans la scm", "restaurer une sauvegarde"):
        sparse = dict(zip(model.topics, model.log_likelihoods(*views(question)), strict=True))
        dense = dense_log_likelihoods(CORPUS, question)
        shifts = {round(dense[t] - sparse[t], 9) for t in model.topics}
        assert len(shifts) == 1, (question, sparse, dense)


def test_a_word_of_one_topic_is_evidence_against_the_others() -> None:
    model = train(CORPUS)
    assert max(model.standardised(*views("qui ?")).items(), key=lambda kv: kv[1])[0] == "who"
    assert max(model.standardised(*views("combien de temps")).items(), key=lambda kv: kv[1])[0] == (
        "deadline"
    )


def test_the_favourite_is_at_zero_and_the_others_below() -> None:
    z = train(CORPUS).standardised(*views("sauvegarde du cabinet"))
    assert max(z.values()) == 0.0
    assert z["backup"] == 0.0
    assert all(v < 0 for topic, v in z.items() if topic != "backup")


def test_unknown_words_leave_every_topic_equal() -> None:
    z = train(CORPUS).standardised(*views("zzz yyy"))
    assert set(z.values()) == {0.0}


words = st.sampled_from("cnil notifier délai qui sauvegarde cabinet patient mail scm".split())
phrases = st.lists(words, min_size=1, max_size=5).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(
    corpus=st.lists(st.tuples(st.sampled_from("abc"), phrases), min_size=2, max_size=10),
    question=phrases,
)
def test_ranking_equals_the_dense_formula_on_any_corpus(
    corpus: list[tuple[str, str]], question: str
) -> None:
    model = train(corpus)
    sparse = dict(zip(model.topics, model.log_likelihoods(*views(question)), strict=True))
    dense = dense_log_likelihoods(corpus, question)
    for a in model.topics:
        for b in model.topics:
            assert math.isclose(
                sparse[a] - sparse[b], dense[a] - dense[b], rel_tol=1e-9, abs_tol=1e-9
            )
