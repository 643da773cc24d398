"""Build the spaCy pipeline newsie runs: the configured model plus newsie's stages."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

from .config import PACKAGE_DIR, Config, ConfigError, load_config

if TYPE_CHECKING:
    from spacy.language import Language

# spaCy is imported where a pipeline is built, not with this module: the process that
# only reads, stores and writes (``newsie run`` with workers) never needs it.

SHIPPED_MODELS_DIR = PACKAGE_DIR / "models"
SHIPPED_MODEL = "newsie_en_core"

# Stage name in the config -> spaCy factory name. Importing ``pipeline.components``
# registers every factory.
STAGE_FACTORIES = {
    "structure": "newsie_structure",
    "entities": "newsie_entities",
    "timex": "newsie_timex",
    "relations": "newsie_relations",
    "events": "newsie_events",
}
# Stages that must run before the model's own components (sentence boundaries
# set before the parser are respected by it).
EARLY_STAGES = ("structure",)


def pipe_batch_size(text_lengths: Sequence[int], batch_chars: int) -> int:
    """Documents per ``nlp.pipe`` batch so that one batch holds about ``batch_chars`` characters.

    The model's arrays grow with its batch. Past a few tens of megabytes every batch maps fresh
    memory from the system and pays a page fault per page, which costs more than larger matrix
    products save: on the CoNLL dev texts (51k words, one CPU) batches of ~80k characters ran at
    ~9k words/s, the whole text as one batch at ~4k (``run.model_batch_chars``; measured before
    ``ops.keep_array_memory``, which keeps arrays up to glibc's 32 MB mmap ceiling for reuse but
    not larger ones: with it, batches of 40k and 80k characters ran alike)."""
    if not text_lengths:
        return 1
    mean = sum(text_lengths) / len(text_lengths)
    return max(1, min(len(text_lengths), int(batch_chars // max(mean, 1.0))))


def model_batch_chars(config: Optional[Config] = None) -> int:
    """``run.model_batch_chars`` of ``config`` (default: the default configuration)."""
    return int((config or load_config())["run"]["model_batch_chars"])


def resolve_model_path(name: str) -> str | Path:
    """Map a configured model name to something ``spacy.load`` accepts."""
    if name == SHIPPED_MODEL:
        path = SHIPPED_MODELS_DIR / SHIPPED_MODEL
        if not (path / "meta.json").exists():
            raise ConfigError(
                f"the shipped model is missing at {path}; reinstall newsie or run `newsie train`"
            )
        return path
    candidate = Path(name).expanduser()
    if candidate.exists():
        return candidate
    import spacy

    if not spacy.util.is_package(name):
        raise ConfigError(
            f"model.name = '{name}' is neither newsie's shipped model, an installed spaCy package nor a path"
        )
    return name


def load_model(name: str) -> Language:
    import spacy

    from . import components, extensions  # noqa: F401  (the shipped model contains newsie components)
    from .ops import use_newsie_ops

    target = resolve_model_path(name)
    use_newsie_ops()  # before loading: a model's layers keep the ops current when they are built
    try:
        return spacy.load(target)
    except OSError as exc:
        raise ConfigError(f"cannot load spaCy model '{name}': {exc}") from None


def build_nlp(config: Optional[Config] = None) -> Language:
    """Load the configured model and add the enabled newsie stages."""
    from . import components  # noqa: F401  (registers factories)

    config = config or load_config()
    nlp = load_model(config.model)
    # newsie bounds document size itself (input.max_chars), with an error row.
    nlp.max_length = max(nlp.max_length, int(config["input"]["max_chars"]) + 1)
    stage_config = config.data.get("stage_config", {})
    first_model_pipe = nlp.pipe_names[0] if nlp.pipe_names else None
    for stage in config.stages:
        factory = STAGE_FACTORIES[stage]
        kwargs = dict(config=stage_config.get(stage, {}))
        if stage in EARLY_STAGES and first_model_pipe is not None:
            nlp.add_pipe(factory, before=first_model_pipe, **kwargs)
        else:
            nlp.add_pipe(factory, **kwargs)
    return nlp
