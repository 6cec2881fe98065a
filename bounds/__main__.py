"""``python -m bounds``: the stability-bound calculator without the simulator."""

import sys

from ._cli import main

sys.exit(main())
