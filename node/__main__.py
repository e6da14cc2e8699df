"""``python -m node`` is ``byteswarm``."""

from node.cli import main

main()
