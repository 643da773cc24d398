"""newsie's per-document spaCy components; importing this registers their factories.

The same factories are declared as ``spacy_factories`` entry points in
pyproject.toml, so ``spacy.load`` finds them in any environment where newsie
is installed.
"""
from . import structure  # noqa: F401
from . import mention_confidence  # noqa: F401
from . import entities  # noqa: F401
from . import timex  # noqa: F401
from . import relations  # noqa: F401
from . import events  # noqa: F401
from . import lemmatizer  # noqa: F401
