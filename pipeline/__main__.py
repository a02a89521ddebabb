"""``python -m pipeline``: the command line (:mod:`pipeline.cli`)."""

import sys

from pipeline.cli import main

sys.exit(main())
