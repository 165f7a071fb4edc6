"""`python -m desktop` is the `access-desk` command."""

import sys

from desktop.cli import main

sys.exit(main())
