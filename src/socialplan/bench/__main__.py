"""`python -m socialplan.bench`: the benchmark without the app's own database."""

import sys

from socialplan.bench.run import main

if __name__ == "__main__":  # importing the module (tools that walk the package) runs nothing
    sys.exit(main())
