"""newsdesk: scraped news articles -> cleaned corpus -> Label Studio annotation -> validated,
versioned Hugging Face datasets. The stages live in the top-level packages `corpus`,
`annotation`, `validation` and `releases`; this package holds the command line."""

__version__ = "0.1.0"
