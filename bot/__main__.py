"""`python -m bot` is `vigie`."""

import sys

from bot.cli import main

sys.exit(main())
