import sys

from hfgit.cli import main

sys.exit(main())
