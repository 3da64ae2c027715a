"""``python -m unified``: the same as the ``unified`` command."""

from unified.cli import main

if __name__ == "__main__":
    main()
