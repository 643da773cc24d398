"""newsie's per-document spaCy components; importing this registers their factories."""
from . import structure  # noqa: F401
from . import entities  # noqa: F401
from . import timex  # noqa: F401
from . import relations  # noqa: F401
from . import events  # noqa: F401
