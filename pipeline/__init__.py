"""newsie: news information extraction into queryable tables."""
__version__ = "0.1.0"

_LAZY = {"load": "api", "extract": "api"}


def __getattr__(name: str):
    """``pipeline.load`` / ``pipeline.extract`` without importing pandas or spaCy at ``import pipeline``."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["__version__", "load", "extract"]
