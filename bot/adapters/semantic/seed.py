"""Write the seed of the vector cache for the shipped content (run as a module).

Usage: `python -m bot.adapters.semantic.seed`.

Run it after changing `intents/` in the repository (CI and the Docker image then
start warm); an association's own phrasings are embedded at its first start and
kept in its own cache next to the database.
"""

from __future__ import annotations

import logging
import sys

from bot.adapters.semantic.cache import SEED_DIR, cache_file_name
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
    for stale in SEED_DIR.glob("phrasings-*.npz"):
        stale.unlink()
    encoder = E5Encoder(SEED_DIR, seed_dir=None)
    encoder.index(examples)
    written = SEED_DIR / cache_file_name(encoder.model_hash)
    print(f"{written}: {len(encoder.cache)} phrasings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
