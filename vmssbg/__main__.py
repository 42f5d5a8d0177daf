import sys

from vmssbg.cli import main

sys.exit(main())
