"""``python -m exports.deck``: the old name of ``python -m pipeline deck``, kept so existing scripts keep working.

The deck job is :mod:`pipeline.decks`; this alias is the one module of ``exports`` that imports ``pipeline``.
"""

import sys

from pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main(["deck", *sys.argv[1:]], prog="python -m exports.deck"))
