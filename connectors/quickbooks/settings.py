"""What a QuickBooks Online connection takes, declared once: the CLI's flags, ``UNIFIED_QUICKBOOKS_*`` and the vault
follow."""

from __future__ import annotations

from unified.settings import ConnectionSettings, Setting

__all__ = ["API_URL", "APPCENTER_URL", "MINOR_VERSION", "OAUTH_URL", "SETTINGS"]

API_URL = "https://quickbooks.api.intuit.com"
OAUTH_URL = "https://oauth.platform.intuit.com"
APPCENTER_URL = "https://appcenter.intuit.com"
#: Intuit serves requests below 75 as 75 since 2025-08-01
MINOR_VERSION = 75

SETTINGS = ConnectionSettings(
    env_prefix="UNIFIED_QUICKBOOKS_",
    settings=(
        Setting("client_id", help="OAuth client id of your app on developer.intuit.com."),
        Setting("client_secret", secret=True, help="OAuth client secret."),
        Setting("refresh_token", secret=True, help="OAuth refresh token (from `unified connect quickbooks`)."),
        Setting("realm_id", help="The company (realmId) the OAuth redirect named."),
        Setting("api_url", required=False, help=f"API root (default {API_URL}), e.g. an emulator's."),
        Setting("oauth_url", required=False, help=f"Token endpoint root (default {OAUTH_URL})."),
        Setting("appcenter_url", required=False, help=f"Consent page root (default {APPCENTER_URL})."),
        Setting("window_seconds", type=float, required=False, flag=False, help="Rate window length (emulators)."),
        Setting(
            "minorversion", type=int, required=False, flag=False, help=f"API minor version (default {MINOR_VERSION})."
        ),
        Setting("access_token", secret=True, required=False, flag=False, help="A current access token."),
    ),
)
