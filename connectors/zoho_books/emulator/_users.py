"""Users (`/users`, `/users/me`, `/users/{user_id}`), read-only: the account's owner and one staff member per
organization, shaped as Zoho's users.yml documents them."""

from __future__ import annotations

from ._call import Call, Reply, reply
from ._errors import not_found
from ._listing import ListSpec, list_page
from ._store import Organization, Record

ROW_FIELDS = (
    "user_id",
    "role_id",
    "name",
    "email",
    "user_role",
    "status",
    "is_current_user",
    "photo_url",
    "is_customer_segmented",
    "is_vendor_segmented",
    "user_type",
)
_STATUS = {
    "Status.All": lambda r: True,
    "Status.Active": lambda r: r.get("status") == "active",
    "Status.Inactive": lambda r: r.get("status") == "inactive",
    "Status.Invited": lambda r: r.get("status") == "invited",
    "Status.Deleted": lambda r: r.get("status") == "deleted",
}
LISTING = ListSpec(
    key="users",
    report_name="Users",
    sort_columns={
        "name": lambda r: str(r.get("name", "")).lower(),
        "email": lambda r: str(r.get("email", "")).lower(),
        "user_role": lambda r: str(r.get("user_role", "")),
        "status": lambda r: str(r.get("status", "")),
    },
    default_sort="name",
    default_order="A",
    filter_by=_STATUS,
    modified_time=False,
    per_page=10,
)


def _user(org: Organization, n: int, name: str, email: str, role: str, current: bool) -> Record:
    # ids derive from the organization's, so adding users shifts no other generated id
    base = int(org.organization_id) * 1000
    return {
        "user_id": str(base + 41 + n),
        "role_id": str(base + 5 + (0 if role == "admin" else 1)),
        "name": name,
        "email": email,
        "email_ids": [{"email": email, "is_selected": True}],
        "user_role": role,
        "status": "active",
        "is_current_user": current,
        "photo_url": "",
        "is_customer_segmented": False,
        "is_vendor_segmented": False,
        "user_type": "zoho",
        "cost_rate": 0.0,
        "is_employee": not current,
        "created_time": f"{org.record.get('account_created_date') or '2016-06-05'}T09:00:00+0000",
        "custom_fields": "",  # users.yml documents a string here
    }


def seed_users(org: Organization) -> None:
    record = org.record
    owner = str(record.get("contact_name") or "Account Owner")
    email = str(record.get("email") or f"owner@{org.organization_id}.example.com")
    domain = email.partition("@")[2] or "example.com"
    org["users"].put(_user(org, 0, owner, email, "admin", True))
    org["users"].put(_user(org, 1, "Staff Accountant", f"staff@{domain}", "staff", False))


def list_users(call: Call) -> Reply:
    return Reply(200, list_page(call.org["users"], LISTING, call.query))


def get_user(call: Call) -> Reply:
    found = call.org["users"].get(call.params["user_id"])
    if found is None:
        raise not_found("User")
    return reply(200, "success", user=found)


def current_user(call: Call) -> Reply:
    found = next((u for u in call.org["users"] if u.get("is_current_user")), None)
    if found is None:
        raise not_found("User")
    return reply(200, "success", user=found)
