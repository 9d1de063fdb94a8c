"""`python -m afterview` is the `afterview` command."""

import sys

from afterview.cli import main

sys.exit(main())
