"""ktpel ledger core: the SOP as data, requests as TOML files, each step a git commit.

This package knows nothing of the screen: it must never import textual or rich.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
