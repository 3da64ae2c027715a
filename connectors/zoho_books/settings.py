"""What a Zoho Books connection takes, declared once: the CLI's flags, ``UNIFIED_ZOHO_*`` and the vault follow."""

from __future__ import annotations

from unified.settings import ConnectionSettings, Setting

__all__ = ["SETTINGS"]

SETTINGS = ConnectionSettings(
    env_prefix="UNIFIED_ZOHO_",
    settings=(
        Setting("client_id", help="OAuth client id from the Zoho API console."),
        Setting("client_secret", secret=True, help="OAuth client secret."),
        Setting("refresh_token", secret=True, help="OAuth refresh token (from `unified connect zoho-books`)."),
        Setting("organization_id", help="Organization id (`unified organizations` lists them)."),
        Setting("data_center", required=False, help="Data center: us, eu, in, au, jp, ca, sa, uk, cn."),
        Setting("api_url", required=False, help="Books API base URL, e.g. an emulator's."),
        Setting("accounts_url", required=False, help="Zoho Accounts URL, e.g. an emulator's."),
        Setting("access_token", secret=True, required=False, flag=False, help="A current access token."),
        Setting("plan", required=False, flag=False, help="Zoho plan (sets the daily budget and concurrency)."),
        Setting("window_seconds", type=float, required=False, flag=False, help="Rate window length (emulators)."),
        Setting(
            "unique_custom_field",
            required=False,
            flag=False,
            help="api_name of a unique custom field that identifies records after a lost create.",
        ),
    ),
)
