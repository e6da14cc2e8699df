"""``python -m node`` is ``byteswarm``."""

from node.cli.app import main

main()
