"""``python -m pipeline.training``: rebuild pipeline/models/newsie_en_core (same as ``newsie train``)."""
from __future__ import annotations

import argparse
from pathlib import Path

from .train import DEFAULT_DATA_DIR, PROJECT_ROOT, train_model


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pipeline.training", description=__doc__)
    parser.add_argument("--output", type=Path,
                        default=PROJECT_ROOT / "pipeline" / "models" / "newsie_en_core")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--quick", action="store_true", help="a few steps on a few sentences")
    parser.add_argument("--max-sentences", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    train_model(args.output, args.data_dir, quick=args.quick,
                max_sentences=args.max_sentences, seed=args.seed)


if __name__ == "__main__":
    main()
