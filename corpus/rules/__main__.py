"""``python -m corpus.rules --markdown``: docs/corpus.md's rule table; ``--toml``: newsdesk.toml's [cleaning]."""

from __future__ import annotations

import argparse

from corpus.rules import cleaning_toml, markdown_table


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m corpus.rules", description=__doc__)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--markdown", action="store_true", help="the rule table of docs/corpus.md")
    what.add_argument("--toml", action="store_true", help="the [cleaning] part of the newsdesk.toml template")
    args = ap.parse_args(argv)
    print(markdown_table() if args.markdown else cleaning_toml(), end="")


if __name__ == "__main__":
    main()
