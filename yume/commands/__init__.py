"""Command groups for `python -m yume`, each a click group registered in yume/cli.py."""
