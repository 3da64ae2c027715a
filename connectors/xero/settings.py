"""What a Xero connection takes, declared once: the CLI's flags, ``UNIFIED_XERO_*`` and the vault follow."""

from __future__ import annotations

from unified.settings import ConnectionSettings, Setting

__all__ = ["API_URL", "IDENTITY_URL", "LOGIN_URL", "SETTINGS"]

API_URL = "https://api.xero.com"
IDENTITY_URL = "https://identity.xero.com"
LOGIN_URL = "https://login.xero.com"

SETTINGS = ConnectionSettings(
    env_prefix="UNIFIED_XERO_",
    settings=(
        Setting("client_id", help="OAuth client id of your app (developer.xero.com/app/manage)."),
        Setting("client_secret", secret=True, help="OAuth client secret."),
        Setting("refresh_token", secret=True, help="OAuth refresh token (from `unified connect xero`); it rotates."),
        Setting("tenant_id", help="The organisation (tenant) id; `unified connect xero` lists them."),
        Setting("api_url", required=False, help=f"Xero API root (default {API_URL}), e.g. an emulator's."),
        Setting("identity_url", required=False, help=f"Xero Identity root (default {IDENTITY_URL})."),
        Setting("login_url", required=False, help=f"Xero login root (default {LOGIN_URL})."),
        Setting("window_seconds", type=float, required=False, flag=False, help="Rate window length (emulators)."),
        Setting("access_token", secret=True, required=False, flag=False, help="A current access token."),
    ),
)
