import os
import sys

from ops.cli import main

try:
    sys.exit(main())
except BrokenPipeError:
    # `python -m ops cost | head`: the reader left; say nothing more (as other Unix tools do).
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)
