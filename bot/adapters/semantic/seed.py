"""Write the seed of the vector cache for the shipped content (run as a module).

Usage: `python -m bot.adapters.semantic.seed`.

Run it after changing `intents/` in the repository (CI and the Docker image then
start warm); only new phrasings are embedded. An association's own phrasings
are embedded at its first start and kept in its own cache next to the database.
"""

from __future__ import annotations

import logging
import sys

from bot.adapters.semantic.cache import SEED_DIR, VectorCache
from bot.adapters.semantic.e5 import E5Encoder
from bot.content.loader import default_content_root, load_content


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    content = load_content(default_content_root())
    examples = [
        (topic, text)
        for topic, intent in content.intents.items()
        for texts in intent.examples.values()
        for text in texts
    ]
    # The shipped seed's vectors are reused: only new phrasings are embedded.
    encoder = E5Encoder(None, seed_dir=SEED_DIR)
    encoder.index(examples)
    texts = list(dict.fromkeys(text for _, text in examples))
    vectors = encoder.cache.matrix(texts)
    for stale in SEED_DIR.glob("phrasings-*.npz"):
        stale.unlink()
    seed = VectorCache(SEED_DIR, encoder.model_hash, vectors.shape[1], seed_dir=None)
    seed.add(texts, vectors)  # the current phrasings only: removed ones are dropped
    seed.save()
    print(f"{seed.path}: {len(seed)} phrasings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
