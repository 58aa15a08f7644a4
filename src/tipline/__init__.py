"""tipline: an open-source reporting centre for CSEAI reports."""

__version__ = "0.1.0"
