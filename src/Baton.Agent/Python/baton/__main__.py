"""`python -m baton run ./package --input k=v`: runs a package's entrypoint locally, outside Baton (see baton._local)."""

import sys

from baton._local import main

if __name__ == "__main__":
    sys.exit(main())
