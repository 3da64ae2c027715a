"""Zoho's data centers: each has its own accounts server (OAuth) and API host.

The data center of an account is never guessed: it comes from the OAuth redirect (``location``,
``accounts-server``), the token response (``api_domain``), or the caller (``data_center=``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import attrs

__all__ = ["DATA_CENTERS", "DataCenter", "data_center_for"]


@attrs.frozen
class DataCenter:
    key: str
    accounts_url: str
    api_domain: str

    @property
    def api_url(self) -> str:
        """The Books v3 base URL of this data center."""
        return f"{self.api_domain}/books/v3"


DATA_CENTERS: dict[str, DataCenter] = {
    dc.key: dc
    for dc in (
        DataCenter("us", "https://accounts.zoho.com", "https://www.zohoapis.com"),
        DataCenter("eu", "https://accounts.zoho.eu", "https://www.zohoapis.eu"),
        DataCenter("in", "https://accounts.zoho.in", "https://www.zohoapis.in"),
        DataCenter("au", "https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
        DataCenter("jp", "https://accounts.zoho.jp", "https://www.zohoapis.jp"),
        # Canada's accounts server is zohocloud.ca, not zoho.ca
        DataCenter("ca", "https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
        DataCenter("sa", "https://accounts.zoho.sa", "https://www.zohoapis.sa"),
        DataCenter("uk", "https://accounts.zoho.uk", "https://www.zohoapis.uk"),
        DataCenter("cn", "https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
    )
}

# One of Zoho's multi-DC examples answers with api.zoho.eu as the api_domain.
_HOST_ALIASES: dict[str, str] = {"api.zoho.eu": "eu"}


def _host(url: str) -> str:
    return (urlsplit(url if "://" in url else f"https://{url}").hostname or "").lower()


_BY_HOST: dict[str, str] = {
    **_HOST_ALIASES,
    **{_host(dc.accounts_url): key for key, dc in DATA_CENTERS.items()},
    **{_host(dc.api_domain): key for key, dc in DATA_CENTERS.items()},
}


def data_center_for(
    *, location: str | None = None, accounts_server: str | None = None, api_domain: str | None = None
) -> DataCenter | None:
    """The data center named by an OAuth redirect or token response, or None when none of them names a known one.

    ``location`` wins over ``accounts_server``, which wins over ``api_domain``.
    """
    if location and location.strip().lower() in DATA_CENTERS:
        return DATA_CENTERS[location.strip().lower()]
    for url in (accounts_server, api_domain):
        if url:
            key = _BY_HOST.get(_host(url.strip()))
            if key is not None:
                return DATA_CENTERS[key]
    return None
