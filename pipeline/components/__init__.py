"""newsie's per-document spaCy components; importing this registers their factories.

The same factories are declared as ``spacy_factories`` entry points in
pyproject.toml, so ``spacy.load`` finds them in any environment where newsie
is installed.

The modules that declare factories do not use ``from __future__ import annotations``:
confection 0.1 (spaCy 3.8.6's) validates a factory's arguments with a pydantic model built
from its signature, and cannot resolve annotations kept as strings ("field nlp not yet
prepared").
"""
from . import structure  # noqa: F401
from . import mention_confidence  # noqa: F401
from . import entities  # noqa: F401
from . import timex  # noqa: F401
from . import relations  # noqa: F401
from . import events  # noqa: F401
from . import lemmatizer  # noqa: F401
