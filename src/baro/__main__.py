"""``python -m baro`` is the ``baro`` command."""

from baro.cli import main

main()
