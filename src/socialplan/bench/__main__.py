"""`python -m socialplan.bench`: the benchmark without the app's own database."""

import sys

from socialplan.bench.run import main

sys.exit(main())
