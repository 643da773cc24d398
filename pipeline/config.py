"""Run configuration: ``configs/default.toml`` merged with a user's file."""
from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG_PATH = PACKAGE_DIR / "configs" / "default.toml"

KNOWN_STAGES = ("structure", "entities", "timex", "relations", "events")
KNOWN_FORMATS = ("parquet", "csv")


class ConfigError(ValueError):
    """A configuration file is missing, unreadable or has a bad value."""


def _merge(base: dict, override: dict, where: str = "") -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if key not in base:
            # Stage options are validated by the stage itself when it is built.
            if where.startswith("stage_config."):
                out[key] = value
                continue
            raise ConfigError(f"unknown config key '{where}{key}'")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"config key '{where}{key}' must be a table")
            out[key] = _merge(base[key], value, f"{where}{key}.")
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class Config:
    """The merged configuration as a nested dict, with typed accessors."""

    data: dict = field(default_factory=dict)
    source: Optional[str] = None

    def __getitem__(self, section: str) -> dict:
        return self.data[section]

    @property
    def model(self) -> str:
        return self.data["model"]["name"]

    @property
    def stages(self) -> list[str]:
        return list(self.data["stages"]["enabled"])

    @property
    def formats(self) -> list[str]:
        return list(self.data["output"]["formats"])

    def fingerprint(self) -> str:
        """A hash of everything that changes per-document results."""
        relevant = {k: v for k, v in self.data.items() if k not in ("run", "output")}
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


def stage_options(stage: str, options: Optional[dict], defaults: dict) -> dict:
    """A stage's ``defaults`` overridden by ``options``; a key the stage does not know is an error."""
    unknown = sorted(set(options or {}) - set(defaults))
    if unknown:
        raise ValueError(f"{stage}: unknown config key(s) {unknown}; known: {sorted(defaults)}")
    return {**defaults, **(options or {})}


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from None


def validate(data: dict) -> None:
    stages = data["stages"]["enabled"]
    bad = [s for s in stages if s not in KNOWN_STAGES]
    if bad:
        raise ConfigError(f"unknown stage(s) {bad}; known: {list(KNOWN_STAGES)}")
    formats = data["output"]["formats"]
    bad = [f for f in formats if f not in KNOWN_FORMATS]
    if bad or not formats:
        raise ConfigError(f"output.formats must be a non-empty subset of {list(KNOWN_FORMATS)}")
    if data["input"]["other_languages"] not in ("skip", "process"):
        raise ConfigError("input.other_languages must be 'skip' or 'process'")
    for key in ("max_chars", "max_bytes"):
        if not isinstance(data["input"][key], int) or data["input"][key] <= 0:
            raise ConfigError(f"input.{key} must be a positive integer")
    run = data["run"]
    if not isinstance(run["workers"], int) or run["workers"] < 0:
        raise ConfigError("run.workers must be an integer >= 0 (0 = all cores)")
    for key in ("batch_size", "model_batch_chars", "segment_docs"):
        if not isinstance(run[key], int) or run[key] < 1:
            raise ConfigError(f"run.{key} must be a positive integer")
    if not isinstance(run["doc_timeout"], (int, float)) or run["doc_timeout"] <= 0:
        raise ConfigError("run.doc_timeout must be a positive number of seconds")
    conf = data["output"]["min_confidence"]
    if not isinstance(conf, (int, float)) or not 0.0 <= conf <= 1.0:
        raise ConfigError("output.min_confidence must be a number in [0, 1]")


def load_config(path: Optional[str | Path] = None, overrides: Optional[dict[str, Any]] = None) -> Config:
    """Load the default config, merge ``path`` over it, then ``overrides``."""
    data = _read_toml(DEFAULT_CONFIG_PATH)
    if path is not None:
        data = _merge(data, _read_toml(Path(path)))
    if overrides:
        data = _merge(data, overrides)
    validate(data)
    return Config(data=data, source=str(path) if path else None)
