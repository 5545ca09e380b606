from __future__ import annotations

import re
from pathlib import Path

from kaifang.config import Settings

DOC = Path(__file__).parents[2] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"`KAIFANG_([A-Z0-9_]+)`", DOC.read_text(encoding="utf-8")))
    actual = {name.upper() for name in Settings.model_fields}
    assert actual - documented == set(), "undocumented settings"
    assert documented - actual == set(), "documented settings that do not exist"


def test_production_refuses_insecure_secret() -> None:
    import pytest

    with pytest.raises(ValueError):
        Settings(env="production")
    assert Settings(env="production", secret_key="k" * 40).env == "production"
