"""newsie: news information extraction into queryable tables."""
__version__ = "0.1.0"
