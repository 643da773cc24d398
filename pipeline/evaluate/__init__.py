"""Evaluation of newsie's own model: ``evaluate_ner`` (CoNLL-2003 file, full
pipeline, P/R/F1 + calibration + speed) and ``evaluate_parser`` (CoNLL-U,
UAS/LAS/UPOS + speed)."""
from .ner import evaluate_ner
from .parser import evaluate_parser

__all__ = ["evaluate_ner", "evaluate_parser"]
