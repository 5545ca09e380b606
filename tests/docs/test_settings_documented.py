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
    production = Settings(env="production", secret_key="k" * 40, fingerprint_key="f" * 40)
    assert production.env == "production"


def test_production_refuses_a_missing_or_reused_fingerprint_key() -> None:
    import pytest

    for key in ("", "short", "k" * 40):
        with pytest.raises(ValueError, match="FINGERPRINT"):
            Settings(env="production", secret_key="k" * 40, fingerprint_key=key)
    settings = Settings(
        env="production",
        secret_key="k" * 40,
        fingerprint_key="f" * 40,
        fingerprint_previous_keys="old-key-0123456789abcdef, older-key-0123456789",
    )
    assert settings.fingerprint_keys() == [
        b"f" * 40,
        b"old-key-0123456789abcdef",
        b"older-key-0123456789",
    ]
    assert Settings(env="test").fingerprint_keys()[0] == Settings(env="test").derived_key(
        "fingerprint"
    )
