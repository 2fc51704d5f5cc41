"""`python -m pyfuncs.cli`: the `facturier` command."""
import sys

from pyfuncs.cli import main

sys.exit(main())
