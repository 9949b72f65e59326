"""The ``bench`` command line: one module per command, registered in ``commands.py``."""
