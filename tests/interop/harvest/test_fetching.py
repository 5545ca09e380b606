"""The harvest allow-list relaxes the SSRF checks for exactly the hosts an administrator named."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaifang.config import Settings
from kaifang.errors import InvalidInput
from kaifang.ingest.fetch import _hop_rules, fetch_url
from kaifang.interop.harvest.fetching import HarvestSourceError, make_fetcher


def test_loopback_is_refused_without_an_allow_list(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        fetch_url("http://127.0.0.1:8080/catalog.ttl", dest_dir=tmp_path)
    assert "loopback" in refused.value.message


@pytest.mark.parametrize(
    "url,trusted,expected",
    [
        ("http://127.0.0.1:8123/x", ["127.0.0.1:8123"], (True, {80, 443, 8080, 8443, 8123})),
        ("http://127.0.0.1:9999/x", ["127.0.0.1:8123"], (False, {80, 443, 8080, 8443})),
        ("http://10.0.0.5/x", ["127.0.0.1:8123"], (False, {80, 443, 8080, 8443})),
        ("http://county.local/x", ["county.local"], (True, {80, 443, 8080, 8443})),
        ("http://county.local:9000/x", ["county.local"], (True, {80, 443, 8080, 8443})),
    ],
)
def test_only_the_named_host_and_port_are_relaxed(
    url: str, trusted: list[str], expected: tuple[bool, set[int]]
) -> None:
    allow, ports = _hop_rules(url, False, {80, 443, 8080, 8443}, trusted)
    assert (allow, set(ports or ())) == expected


def test_metadata_addresses_stay_refused_even_when_trusted(tmp_path: Path) -> None:
    fetch = make_fetcher(
        Settings(data_dir=tmp_path, harvest_trusted_hosts=["169.254.169.254"], env="test")
    )
    with pytest.raises(HarvestSourceError) as refused:
        fetch("http://169.254.169.254/latest/meta-data")
    assert "metadata" in refused.value.message or "link-local" in refused.value.message
