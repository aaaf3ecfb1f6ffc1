"""newsdesk: scraped news articles -> cleaned corpus -> Label Studio annotation -> validated,
versioned Hugging Face datasets. The stages live in the top-level packages `corpus`,
`annotation`, `validation` and `releases`; this package holds the command line."""

from importlib.metadata import version

__version__ = version("newsdesk")  # one source: pyproject.toml
