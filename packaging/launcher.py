"""The bundle's entry point: the same `access-desk` command as the installed one."""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
