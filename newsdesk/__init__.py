"""newsdesk: scraped news articles -> cleaned corpus -> Label Studio annotation -> validated,
versioned Hugging Face datasets. The stages live in the top-level packages `corpus`,
`annotation`, `validation` and `releases`; this package holds the command line."""


def __getattr__(name: str):
    # The version has one source, pyproject.toml, read from the installed metadata when asked
    # (importlib.metadata costs a tenth of a second every command would pay otherwise).
    if name == "__version__":
        from importlib.metadata import version

        return version("newsdesk")
    raise AttributeError(name)
