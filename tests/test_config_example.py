"""config.example.py documents every setting, at its default, and loads as an instance config."""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

from casework.config import DEFAULTS, load_config

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.py"


def test_every_setting_is_in_the_example_at_its_default():
    values = {k: v for k, v in runpy.run_path(str(EXAMPLE)).items() if k.isupper()}
    assert set(values) == set(DEFAULTS) - {"SECRET_KEY"}
    for key, value in values.items():
        assert value == DEFAULTS[key], key


def test_the_example_loads_as_an_instance_config(tmp_path: Path):
    shutil.copy(EXAMPLE, tmp_path / "config.py")
    settings = load_config(tmp_path, {"SECRET_KEY": "s" * 40}, environ={})
    assert settings["SESSION_IDLE_MINUTES"] == 15
