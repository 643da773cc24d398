"""Training newsie's own English spaCy pipeline (``newsie_en_core``).

``train_model(output_dir, data_dir)`` runs the whole reproducible recipe; see
``pipeline/training/train.py``. Corpus readers/converters are in ``convert``.
"""
from .train import DEFAULT_DATA_DIR, train_model

__all__ = ["train_model", "DEFAULT_DATA_DIR"]
