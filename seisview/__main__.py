import sys

from seisview.cli import main

sys.exit(main())
