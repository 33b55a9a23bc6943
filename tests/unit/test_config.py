"""Settings from TTS_* variables: bad values are reported with the variable's name."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_settings


def test_invalid_access_settings_are_reported():
    with pytest.raises(ConfigError, match="TTS_RATE_LIMIT"):
        load_settings(environ={"TTS_RATE_LIMIT": "lots"})
    with pytest.raises(ConfigError, match="TTS_TRUSTED_PROXIES"):
        load_settings(environ={"TTS_TRUSTED_PROXIES": "not-an-ip"})
    assert load_settings(environ={"TTS_API_KEYS": " a , b ,"}).api_key_list == ("a", "b")
