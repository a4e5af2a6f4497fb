"""The shipped seed of the vector cache: a fresh install starts warm (issue #11)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.adapters.semantic.cache import SEED_DIR, VectorCache, phrasing_key
from bot.content.loader import default_content_root, load_content


def test_the_seed_holds_every_shipped_phrasing() -> None:
    seeds = sorted(SEED_DIR.glob("phrasings-*.npz"))
    assert len(seeds) == 1, "one seed, for the model the package pins"
    with np.load(seeds[0]) as data:
        keys = {bytes(k) for k in data["keys"]}
    content = load_content(default_content_root())
    missing = [
        text
        for intent in content.intents.values()
        for texts in intent.examples.values()
        for text in texts
        if phrasing_key(text) not in keys
    ]
    assert missing == [], (
        f"{len(missing)} phrasing(s) not in the seed: run python -m bot.adapters.semantic.seed"
    )


def test_a_fresh_cache_folder_starts_from_the_seed_and_saves_only_its_own(tmp_path: Path) -> None:
    seed = next(SEED_DIR.glob("phrasings-*.npz"))
    model_hash = seed.stem.removeprefix("phrasings-")
    cache = VectorCache(tmp_path / "cache", model_hash, 384)
    assert len(cache) > 5000
    cache.save()  # nothing new: nothing written, the seed is not copied
    assert not (tmp_path / "cache").exists()
    cache.add(["une phrase ajoutée par l'association"], np.ones((1, 384), dtype=np.float32))
    cache.save()
    again = VectorCache(tmp_path / "cache", model_hash, 384)
    assert again.get("une phrase ajoutée par l'association") is not None
    assert len(again) == len(cache)


def test_after_an_upgrade_the_new_seed_completes_the_old_cache(tmp_path: Path) -> None:
    """An association's cache from an older version lacks the phrasings the new version
    ships: they come from the new seed, not from minutes of embedding."""
    seed_dir, own_dir = tmp_path / "seed", tmp_path / "own"
    shipped = VectorCache(seed_dir, "m" * 16, 2, seed_dir=None)
    shipped.add(["old shipped", "new shipped"], np.array([[1, 0], [0, 1]], dtype=np.float32))
    shipped.save()
    own = VectorCache(own_dir, "m" * 16, 2, seed_dir=None)
    own.add(["old shipped", "the association's own"], np.array([[1, 1], [2, 2]], np.float32))
    own.save()

    cache = VectorCache(own_dir, "m" * 16, 2, seed_dir=seed_dir)

    assert cache.missing(["old shipped", "new shipped", "the association's own"]) == []
    assert cache.get("new shipped").tolist() == [0, 1]
    assert cache.get("the association's own").tolist() == [2, 2]
    assert cache.get("old shipped").tolist() == [1, 1]  # its own vector, read first
    assert cache.matrix(["new shipped", "old shipped"]).tolist() == [[0, 1], [1, 1]]
