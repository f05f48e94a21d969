"""``python -m playground``: the same command line as the ``playground`` script."""
from .cli import main

raise SystemExit(main())
