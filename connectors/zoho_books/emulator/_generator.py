"""Seeded, deterministic, realistic data: organizations with currencies, taxes (0%, compound, a group),
accounts, items, custom fields of every data type, and contacts, invoices, bills and expenses spread over
two years before a fixed day, so the same seed gives the same data on any machine and any date."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from . import _accounts, _contacts, _currencies, _documents, _expenses, _items, _taxes
from . import _customfields as cf
from . import _documented as documented
from ._call import Call
from ._errors import ZohoError
from ._numbers import ZERO, out, quantize
from ._settings import new_organization
from ._store import Organization, Record
from ._time import format_timestamp, zone

PLAN_TYPES = {"free": 0, "standard": 110, "professional": 120, "premium": 130}  # unpublished: our choice
ANCHOR = datetime(2025, 6, 30, 17, 0, 0)  # "today" of the seeded data, in each organization's time zone
SPAN_DAYS = 730

# name, currency, symbol, time zone, minutes east of UTC, country, contact
PROFILES = (
    ("Zylker Trading Inc.", "USD", "$", "Asia/Kolkata", 330, "U.S.A", "Priya Raman"),
    ("Nordlicht Handels GmbH", "EUR", "€", "Africa/Lagos", 60, "Germany", "Jürgen Weiß"),
    ("Brightwater Studio Ltd", "GBP", "£", "UTC", 0, "United Kingdom", "Siobhán O'Neill"),
    ("Al Noor Trading LLC", "AED", "AED", "Asia/Dubai", 240, "United Arab Emirates", "Layla Haddad"),
    ("Sakura Supplies K.K.", "JPY", "¥", "Asia/Tokyo", 540, "Japan", "山田 花子"),
)
# code, name, symbol, precision, units per USD
CURRENCIES = (
    ("USD", "US Dollar", "$", 2, Decimal("1")),
    ("EUR", "Euro", "€", 2, Decimal("0.92")),
    ("GBP", "Pound Sterling", "£", 2, Decimal("0.79")),
    ("INR", "Indian Rupee", "₹", 2, Decimal("83.2")),
    ("JPY", "Japanese Yen", "¥", 0, Decimal("151")),
    ("AUD", "Australian Dollar", "$", 2, Decimal("1.52")),
    ("CAD", "Canadian Dollar", "$", 2, Decimal("1.36")),
    ("AED", "UAE Dirham", "AED", 2, Decimal("3.6725")),
)
ACCOUNTS = (
    ("Sales", "income", "4000"),
    ("General Income", "income", "4010"),
    ("Interest Income", "other_income", "4500"),
    ("Accounts Receivable", "accounts_receivable", "1200"),
    ("Accounts Payable", "accounts_payable", "2000"),
    ("Petty Cash", "cash", "1000"),
    ("Undeposited Funds", "cash", "1010"),
    ("Business Checking", "bank", "1020"),
    ("Company Credit Card", "credit_card", "2100"),
    ("Office Supplies", "expense", "6000"),
    ("Rent Expense", "expense", "6100"),
    ("Travel Expense", "expense", "6200"),
    ("Meals and Entertainment", "expense", "6300"),
    ("IT and Internet Expenses", "expense", "6400"),
    ("Advertising and Marketing", "expense", "6500"),
    ("Cost of Goods Sold", "cost_of_goods_sold", "5000"),
    ("Furniture and Equipment", "fixed_asset", "1500"),
    ("Tax Payable", "other_current_liability", "2200"),
    ("Owner's Equity", "equity", "3000"),
)
EXPENSE_ACCOUNTS = (
    "Office Supplies",
    "Rent Expense",
    "Travel Expense",
    "Meals and Entertainment",
    "IT and Internet Expenses",
    "Advertising and Marketing",
)
PAID_THROUGH = ("Petty Cash", "Business Checking", "Company Credit Card")
# label, data type, options
CUSTOM_FIELDS = (
    ("External ID", "string", ()),
    ("Account Manager", "string", ()),
    ("Priority", "number", ()),
    ("Discount Rate", "decimal", ()),
    ("Credit Allowance", "amount", ()),
    ("Commission", "percent", ()),
    ("Review Date", "date", ()),
    ("Tax Exempt", "check_box", ()),
    ("Tier", "dropdown", ("Gold", "Silver", "Bronze")),
    ("Billing Email", "email", ()),
    ("Portal URL", "url", ()),
    ("Hotline", "phone", ()),
    ("Delivery Notes", "multiline", ()),
)
COMPANY_STEMS = (
    "Bowman",
    "Müller Maschinenbau",
    "Société Lumière",
    "Østergaard",
    "山田商事",
    "Nguyễn Logistics",
    "Zoë's Café",
    "Ångström Labs",
    "Café Olé",
    "Łódź Freight",
    "Παπαδόπουλος",
    "Иванов и партнёры",
    "Çelik Yapi",
    "São Paulo Têxtil",
    "Acme Widgets",
    "Northwind",
    "Blue Harbor",
    "Granite Peak",
    "Silverline",
    "Evergreen Foods",
    "Kōwhai Design",
    "Dvořák Audio",
    "Fjällräven Outfitters",
    "Núñez Hermanos",
    "Oakridge Legal",
    "Pinecrest Dental",
    "Quantum Leap",
    "Riverside Bakery",
    "Sunrise Solar",
    "Tidewater Marine",
    "Umami Kitchen",
    "Vértice Consultores",
    "Whitfield & Sons",
)
COMPANY_SUFFIXES = ("", " Ltd", " GmbH", " SARL", " Inc.", " & Co", " LLC", " AB", " Pty Ltd", " K.K.", " S.A.")
FIRST = (
    "José",
    "Zoë",
    "Søren",
    "François",
    "Björn",
    "Ana María",
    "Chloé",
    "Mei",
    "Ngozi",
    "Siobhán",
    "Raj",
    "Émilie",
    "Łukasz",
    "Hana",
    "Oğuz",
    "Amélie",
    "Kwame",
    "Ines",
    "Yuki",
    "Matías",
    "Aarav",
    "Freya",
    "Dmitri",
    "Leilani",
)
LAST = (
    "García",
    "Müller",
    "Ødegaard",
    "O'Brien",
    "Nakamura",
    "Kowalski",
    "Dvořák",
    "Nguyễn",
    "Smith",
    "Okafor",
    "Fernández",
    "Johansson",
    "Patel",
    "Rossi",
    "Ivanova",
    "Takahashi",
    "Dubois",
    "Andersen",
    "Silva",
    "Chen",
)
# city, state, state code, zip, country
PLACES = (
    ("Pleasanton", "California", "CA", "94588", "U.S.A"),
    ("Austin", "Texas", "TX", "73301", "U.S.A"),
    ("München", "Bayern", "BY", "80331", "Germany"),
    ("Lyon", "Auvergne-Rhône-Alpes", "ARA", "69001", "France"),
    ("Manchester", "Greater Manchester", "", "M1 1AE", "United Kingdom"),
    ("大阪市", "大阪府", "27", "530-0001", "Japan"),
    ("Chennai", "Tamil Nadu", "TN", "600001", "India"),
    ("Melbourne", "Victoria", "VIC", "3000", "Australia"),
    ("Montréal", "Québec", "QC", "H2Y 1C6", "Canada"),
    ("Dubai", "Dubai", "DU", "00000", "United Arab Emirates"),
)
STREETS = (
    "Hopyard Rd",
    "Maximilianstraße",
    "Rue de la République",
    "Deansgate",
    "Anna Salai",
    "Collins St",
    "Rue Sainte-Catherine",
    "Sheikh Zayed Rd",
)
ITEMS = (
    ("Consulting hour", "service", 150),
    ("Hard Drive 2TB", "goods", 89.99),
    ("Annual support plan", "service", 1200),
    ("Ergonomic Chair", "goods", 349),
    ("Cloud hosting (monthly)", "service", 49.5),
    ("Label printer", "goods", 129.95),
    ("Website audit", "service", 800),
    ("USB-C Dock", "goods", 199),
    ("Training workshop", "service", 2500),
    ("Café latte beans 1kg", "goods", 24.75),
    ("Design sprint", "service", 4200),
    ('Monitor 27"', "goods", 299.99),
    ("Translation (per word)", "service", 0.12),
    ("Shipping pallet", "goods", 45),
    ("Data migration", "service", 3100),
    ("Keyboard (ÅÄÖ layout)", "goods", 79),
    ("Photography session", "service", 650),
    ("Standing desk", "goods", 549),
    ("Security review", "service", 1800),
    ("Printer paper (box)", "goods", 32.4),
)


def _id_base(index: int) -> int:
    # The first organization's ids have 18 digits, later ones 19: both pass 2^53.
    return 460_000_000_000_000_000 if index == 0 else 1_100_000_000_000_000_000 + index * 100_000_000_000_000_000


def credentials(seed: int) -> tuple[str, str, str]:
    rng = random.Random(f"zoho-emulator:{seed}:credentials")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    client_id = "1000." + "".join(rng.choice(alphabet) for _ in range(30))
    client_secret = f"{rng.getrandbits(168):042x}"
    refresh = f"1000.{rng.getrandbits(128):032x}.{rng.getrandbits(128):032x}"
    return client_id, client_secret, refresh


def organization_id(seed: int, index: int) -> str:
    return str(random.Random(f"zoho-emulator:{seed}:org:{index}").randint(100_000_000, 999_999_999))


class _Seeder:
    def __init__(self, org: Organization, rng: random.Random, index: int) -> None:
        self.org = org
        self.rng = rng
        self.index = index
        self.anchor = ANCHOR.replace(tzinfo=zone(org.offset_minutes)).timestamp()
        self._call = Call(
            org=org, query={}, headers={}, body=None, params={}, now=self.anchor, new_id=org.new_id, seeding=True
        )

    def call(self, now: float, query: dict[str, str] | None = None) -> Call:
        self._call.now = now
        self._call.query = query or {}
        return self._call

    def when(self) -> float:
        return self.anchor - self.rng.uniform(1, SPAN_DAYS) * 86400

    def later(self, created: float) -> float:
        return created + self.rng.uniform(0, self.anchor - created)

    def stamp(self, epoch: float) -> str:
        return format_timestamp(epoch, self.org.offset_minutes)

    def day(self, epoch: float) -> str:
        return datetime.fromtimestamp(epoch, zone(self.org.offset_minutes)).date().isoformat()

    def put(self, collection: str, record: Record, modified: float | None = None) -> Record:
        if modified is not None:
            record["last_modified_time"] = self.stamp(modified)
        self.org[collection].put(record)
        return record

    # --- settings ---------------------------------------------------------------------------------

    def settings(self, custom_fields: bool) -> None:
        base_code = str(self.org.record.get("currency_code") or "USD")
        table = list(CURRENCIES)
        if all(code != base_code for code, *_ in table):
            symbol = str(self.org.record.get("currency_symbol") or base_code)
            table.insert(0, (base_code, base_code, symbol, self.org.precision, Decimal(1)))
        base_rate = next(rate for code, _, _, _, rate in table if code == base_code)
        for code, name, symbol, precision, rate in table:
            is_base = code == base_code
            currency_id = str(self.org.record.get("currency_id") or "") if is_base else ""
            record = _currencies.make_currency(
                currency_id or self.org.new_id(),
                code,
                name,
                symbol,
                precision,
                Decimal(1) if is_base else quantize(base_rate / rate, 6),
                is_base,
                ANCHOR.date().isoformat(),
            )
            self.put("currencies", record)
            if is_base and not self.org.record.get("currency_id"):
                self.org.record.update(currency_id=record["currency_id"], currency_symbol=symbol)
        stamp = self.stamp(self.anchor - SPAN_DAYS * 86400)
        self.accounts = {}
        for name, account_type, code in ACCOUNTS:
            account = _accounts.make_account(self.org.new_id(), name, account_type, code, stamp, system=True)
            self.accounts[name] = self.put("chartofaccounts", account)
        rates = (
            ("Sales Tax", "8.25"),
            ("Reduced Rate", "5"),
            ("Zero Rate", "0"),
            ("Standard VAT", "20"),
            ("Service Tax", "12.5"),
        )
        self.taxes = [
            self.put(
                "taxes", _taxes.make_tax(self.org.new_id(), name, Decimal(p), default=name == "Sales Tax", stamp=stamp)
            )
            for name, p in rates
        ]
        city = self.put(
            "taxes",
            _taxes.make_tax(self.org.new_id(), "City Surcharge", Decimal("2"), tax_type="compound_tax", stamp=stamp),
        )
        self.taxes.append(
            self.put("taxes", _taxes.make_group(self.org.new_id(), "Sales + City", [self.taxes[0], city], stamp))
        )
        for entity in ("contact", "invoice", "bill", "expense", "item") if custom_fields else ():
            specs = CUSTOM_FIELDS if entity != "item" else CUSTOM_FIELDS[:1]
            self.org.customfields[entity] = [
                cf.make_definition(
                    customfield_id=self.org.new_id(),
                    entity=entity,
                    label=label,
                    data_type=data_type,
                    index=n,
                    options=options,
                    is_unique=label == "External ID",
                )
                for n, (label, data_type, options) in enumerate(specs, start=1)
            ]
        sales, cogs = str(self.accounts["Sales"]["account_id"]), str(self.accounts["Cost of Goods Sold"]["account_id"])
        self.items = []
        for n, (name, kind, price) in enumerate(ITEMS):
            tax = self.taxes[n % 3]
            body: dict[str, Any] = {
                "name": name,
                "rate": Decimal(str(price)),
                "product_type": kind,
                "item_type": "sales_and_purchases",
                "tax_id": tax["tax_id"],
                "account_id": sales,
                "purchase_rate": quantize(Decimal(str(price)) * Decimal("0.6"), 2),
                "purchase_account_id": cogs,
                "sku": f"SKU-{n + 1:04d}",
                "description": f"{name} — standard",
            }
            if custom_fields:
                body["custom_fields"] = [{"api_name": "cf_external_id", "value": f"ITEM-{self.index}-{n + 1:04d}"}]
            self.items.append(self.put("items", _items.build(self.call(self.anchor - SPAN_DAYS * 86400), None, body)))

    # --- records ----------------------------------------------------------------------------------

    def custom_values(self, entity: str, prefix: str, number: int) -> list[dict[str, Any]]:
        rng = self.rng
        values: list[dict[str, Any]] = []
        if rng.random() < 0.7:
            values.append({"api_name": "cf_external_id", "value": f"{prefix}-{self.index}-{number:06d}"})
        samples: dict[str, Any] = {
            "cf_account_manager": rng.choice(FIRST) + " " + rng.choice(LAST),
            "cf_priority": rng.randint(1, 5),
            "cf_discount_rate": Decimal(rng.randint(0, 2500)) / 100,
            "cf_credit_allowance": Decimal(rng.randint(0, 5_000_000)) / 100,
            "cf_commission": Decimal(rng.randint(0, 150)) / 10,
            "cf_review_date": (ANCHOR.date() - timedelta(days=rng.randint(0, 700))).isoformat(),
            "cf_tax_exempt": rng.random() < 0.3,
            "cf_tier": rng.choice(("Gold", "Silver", "Bronze")),
            "cf_billing_email": f"billing{number}@example.com",
            "cf_portal_url": f"https://portal.example.com/{entity}/{number}",
            "cf_hotline": f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            "cf_delivery_notes": "Leave at reception.\nCall ahead — ring twice.",
        }
        for name, value in samples.items():
            if rng.random() < 0.6:
                values.append({"api_name": name, "value": value})
        return values

    def address(self) -> dict[str, str]:
        city, state, code, zip_, country = self.rng.choice(PLACES)
        return {
            "attention": self.rng.choice(FIRST) + " " + self.rng.choice(LAST),
            "address": f"{self.rng.randint(1, 9999)} {self.rng.choice(STREETS)}",
            "street2": self.rng.choice(("", "Suite 310", "2. OG", "Unit 4B")),
            "city": city,
            "state": state,
            "state_code": code,
            "zip": zip_,
            "country": country,
            "phone": f"+1-555-{self.rng.randint(100, 999)}-{self.rng.randint(1000, 9999)}",
            "fax": "",
        }

    def contacts(self, count: int) -> None:
        rng = self.rng
        currencies = list(self.org["currencies"])
        base = next(c for c in currencies if c["is_base_currency"])
        used: set[str] = set()
        self.customers: list[Record] = []
        self.vendors: list[Record] = []
        for n in range(1, count + 1):
            name = rng.choice(COMPANY_STEMS) + rng.choice(COMPANY_SUFFIXES)
            if name.lower() in used:
                name = f"{name} ({n})"
            used.add(name.lower())
            contact_type = "customer" if rng.random() < 0.7 else "vendor"
            people = [
                {
                    "salutation": rng.choice(("Mr.", "Ms.", "Dr.", "")),
                    "first_name": (first := rng.choice(FIRST)),
                    "last_name": rng.choice(LAST),
                    "email": f"{first.lower().replace(' ', '.')}.{n}@example.com",
                    "phone": f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                    "mobile": f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                    "designation": rng.choice(("Accounts Payable", "CFO", "Owner", "Buyer", "")),
                    "is_primary_contact": p == 0,
                }
                for p in range(rng.randint(1, 3))
            ]
            terms = rng.choice((0, 15, 30, 45, 60))
            billing = self.address()
            body = {
                "contact_name": name,
                "company_name": name if rng.random() < 0.8 else "",
                "contact_type": contact_type,
                "customer_sub_type": rng.choice(("business", "business", "individual")),
                "currency_id": (rng.choice(currencies) if rng.random() < 0.2 else base)["currency_id"],
                "payment_terms": terms,
                "billing_address": billing,
                "shipping_address": billing if rng.random() < 0.7 else self.address(),
                "contact_persons": people,
                "website": f"https://www.example{n}.com" if rng.random() < 0.5 else "",
                "notes": rng.choice(("", "Prefers e-mail.", "Pays by bank transfer — réf. client obligatoire.")),
                "credit_limit": rng.choice((0, 5000, 25000)),
                "custom_fields": self.custom_values("contact", "C", n),
            }
            created = self.when()
            record = _contacts.build(self.call(created), None, body)
            if rng.random() < 0.08:
                record["status"] = "inactive"
            self.put("contacts", record, self.later(created))
            (self.customers if contact_type == "customer" else self.vendors).append(record)

    def _lines(self, count: int, with_discount: bool, bill: bool) -> list[dict[str, Any]]:
        rng = self.rng
        lines = []
        for _ in range(count):
            item = rng.choice(self.items)
            line: dict[str, Any] = {
                "item_id": item["item_id"],
                "quantity": rng.choice((1, 1, 2, 3, 5, 10, Decimal("2.5"))),
            }
            if rng.random() < 0.3:
                line["rate"] = Decimal(rng.randint(500, 250_000)) / 100
            if with_discount and rng.random() < 0.4:
                line["discount"] = rng.choice(("10%", "5%", "12.5%", Decimal(rng.randint(1, 2000)) / 100))
            line["tax_id"] = rng.choice(self.taxes)["tax_id"]
            if bill:
                line["account_id"] = self.accounts[rng.choice(EXPENSE_ACCOUNTS)]["account_id"]
            lines.append(line)
        return lines

    def _settle(self, kind: _documents.Kind, record: Record, status: str) -> Record:
        """Make a document draft, void, paid, partially paid or open, as of the anchor day."""
        call = self.call(self.anchor)
        if status in ("draft", "void"):
            return _documents.restatus(kind, call, record, status)
        total = Decimal(str(record["total"]))
        share = {"paid": Decimal(1), "partially_paid": Decimal(self.rng.randint(20, 80)) / 100}.get(status, ZERO)
        paid = quantize(total * share, int(record["price_precision"]))
        record = {**record, "payment_made": out(paid)}
        if paid:
            paid_on = min(date.fromisoformat(record["date"]) + timedelta(days=self.rng.randint(0, 40)), ANCHOR.date())
            if kind is _documents.INVOICE:
                record["last_payment_date"] = paid_on.isoformat()
                self._payment(record, paid, paid_on)
            else:
                record["payments"] = [
                    {
                        "payment_id": self.org.new_id(),
                        "bill_id": record["bill_id"],
                        "bill_payment_id": self.org.new_id(),
                        "payment_mode": self.rng.choice(("Cash", "Bank Transfer", "Check")),
                        "date": paid_on.isoformat(),
                        "reference_number": "",
                        "exchange_rate": record["exchange_rate"],
                        "amount": out(paid),
                        "paid_through_account_id": self.accounts["Business Checking"]["account_id"],
                        "paid_through_account_name": "Business Checking",
                        **documented.BILL_PAYMENT,
                        "check_details": [],
                    }
                ]
        return _documents.restatus(kind, call, record, kind.open_status)

    def _payment(self, invoice: Record, amount: Decimal, paid_on: date) -> None:
        epoch = datetime(paid_on.year, paid_on.month, paid_on.day, 12, tzinfo=UTC).timestamp()
        payment = {
            "payment_id": self.org.new_id(),
            "payment_number": str(self.org.next_number("payment")),
            "customer_id": invoice["customer_id"],
            "customer_name": invoice["customer_name"],
            "payment_mode": self.rng.choice(("banktransfer", "check", "creditcard", "cash")),
            "date": paid_on.isoformat(),
            "reference_number": f"REF-{self.rng.randint(10000, 99999)}",
            "description": "",
            "amount": out(amount),
            "bcy_amount": out(quantize(amount * Decimal(str(invoice["exchange_rate"])), 2)),
            "unused_amount": 0,
            "bank_charges": 0,
            "exchange_rate": invoice["exchange_rate"],
            "currency_code": invoice["currency_code"],
            "account_id": self.accounts["Undeposited Funds"]["account_id"],
            "account_name": "Undeposited Funds",
            "invoices": [
                {
                    "invoice_id": invoice["invoice_id"],
                    "invoice_number": invoice["invoice_number"],
                    "date": invoice["date"],
                    "invoice_amount": invoice["total"],
                    "amount_applied": out(amount),
                    "balance_amount": out(Decimal(str(invoice["total"])) - amount),
                }
            ],
            "invoice_numbers": invoice["invoice_number"],
            "custom_fields": [],
            "created_time": self.stamp(min(epoch, self.anchor)),
            "last_modified_time": self.stamp(min(epoch, self.anchor)),
            "email": "",
            "currency_symbol": invoice.get("currency_symbol", ""),
        }
        documented.fill_lines(documented.fill(payment, documented.PAYMENT), documented.PAYMENT_INVOICE, "invoices")
        self.put("customerpayments", payment)

    def _build(self, build: Any, created: float, body: dict[str, Any]) -> Record:
        try:
            record: Record = build(self.call(created), None, body)
        except ZohoError:  # a drawn discount or adjustment larger than the document: draw it without them
            for line in body["line_items"]:
                line.pop("discount", None)
            for key in ("discount", "adjustment"):
                body.pop(key, None)
            record = build(self.call(created), None, body)
        return record

    def _status(self) -> str:
        roll = self.rng.random()
        return (
            "draft"
            if roll < 0.08
            else "void"
            if roll < 0.12
            else "paid"
            if roll < 0.55
            else "partially_paid"
            if roll < 0.7
            else "open"
        )

    def invoices(self, count: int) -> None:
        rng = self.rng
        if not self.customers:
            return
        for n in range(1, count + 1):
            customer = rng.choice(self.customers)
            created = self.when()
            entity_discount = rng.random() < 0.1
            body: dict[str, Any] = {
                "customer_id": customer["contact_id"],
                "date": self.day(created),
                "reference_number": f"PO-{rng.randint(1000, 99999)}" if rng.random() < 0.6 else "",
                "is_inclusive_tax": rng.random() < 0.25,
                "line_items": self._lines(rng.randint(1, 4), not entity_discount, bill=False),
                "notes": "Thank you for your business.",
                "terms": "Payment due within the agreed terms.",
                "custom_fields": self.custom_values("invoice", "INV", n),
            }
            if entity_discount:
                body["discount"] = rng.choice(("5%", "10%", Decimal(rng.randint(100, 5000)) / 100))
                body["discount_type"] = "entity_level"
                body["is_discount_before_tax"] = rng.random() < 0.7
            if rng.random() < 0.2:
                body["shipping_charge"] = Decimal(rng.randint(500, 5000)) / 100
            if rng.random() < 0.05:
                body["adjustment"] = Decimal(rng.randint(-500, 500)) / 100
                body["adjustment_description"] = "Rounding"
            record = self._build(_documents.INVOICES.build, created, body)
            record = self._settle(_documents.INVOICE, record, self._status())
            self.put("invoices", record, self.later(created))

    def bills(self, count: int) -> None:
        rng = self.rng
        if not self.vendors:
            return
        for n in range(1, count + 1):
            vendor = rng.choice(self.vendors)
            created = self.when()
            body = {
                "vendor_id": vendor["contact_id"],
                "bill_number": f"VB-{self.index}{n:05d}",
                "date": self.day(created),
                "reference_number": f"ORD-{rng.randint(1000, 99999)}" if rng.random() < 0.5 else "",
                "is_inclusive_tax": rng.random() < 0.2,
                "line_items": self._lines(rng.randint(1, 3), True, bill=True),
                "notes": "",
                "custom_fields": self.custom_values("bill", "BILL", n),
            }
            record = self._build(_documents.BILLS.build, created, body)
            status = self._status()
            record = self._settle(
                _documents.BILL, record, "open" if status == "void" and rng.random() < 0.5 else status
            )
            self.put("bills", record, self.later(created))

    def expenses(self, count: int) -> None:
        rng = self.rng
        currencies = list(self.org["currencies"])
        for n in range(1, count + 1):
            created = self.when()
            customer = rng.choice(self.customers) if self.customers and rng.random() < 0.25 else None
            vendor = rng.choice(self.vendors) if self.vendors and rng.random() < 0.5 else None
            body: dict[str, Any] = {
                "account_id": self.accounts[rng.choice(EXPENSE_ACCOUNTS)]["account_id"],
                "paid_through_account_id": self.accounts[rng.choice(PAID_THROUGH)]["account_id"],
                "date": self.day(created),
                "amount": Decimal(rng.randint(500, 200_000)) / 100,
                "is_inclusive_tax": rng.random() < 0.3,
                "description": rng.choice(
                    ("Team lunch", "Taxi to client site", "Printer toner", "Ad campaign", "Hotel — 2 nights")
                ),
                "reference_number": f"RCPT-{rng.randint(10000, 99999)}" if rng.random() < 0.7 else "",
                "custom_fields": self.custom_values("expense", "EXP", n),
            }
            if rng.random() < 0.2:
                currency = rng.choice(currencies)
                body["currency_id"] = currency["currency_id"]
                body["exchange_rate"] = Decimal(str(currency["exchange_rate"] or 1))
            if rng.random() < 0.6:
                body["tax_id"] = rng.choice(self.taxes[:5])["tax_id"]
            if customer:
                body["customer_id"] = customer["contact_id"]
                body["is_billable"] = rng.random() < 0.7
            if vendor:
                body["vendor_id"] = vendor["contact_id"]
            record = _expenses.build(self.call(created), None, body)
            self.put("expenses", record, self.later(created))

    def balances(self) -> None:
        """Contacts' outstanding amounts from the documents, in one pass (not per document)."""
        receivable: dict[str, Decimal] = {}
        payable: dict[str, Decimal] = {}
        busy: set[str] = set()
        for module, key, totals in (("invoices", "customer_id", receivable), ("bills", "vendor_id", payable)):
            for doc in self.org[module]:
                busy.add(str(doc[key]))
                if doc["status"] not in ("draft", "void"):
                    totals[str(doc[key])] = totals.get(str(doc[key]), ZERO) + Decimal(str(doc["balance"]))
        busy.update(str(e["customer_id"]) for e in self.org["expenses"] if e.get("customer_id"))
        for contact in list(self.org["contacts"]):
            cid = str(contact["contact_id"])
            if cid in busy:
                rec, pay = out(receivable.get(cid, ZERO)), out(payable.get(cid, ZERO))
                contact.update(
                    has_transaction=True,
                    outstanding_receivable_amount=rec,
                    outstanding_receivable_amount_bcy=rec,
                    outstanding_payable_amount=pay,
                    outstanding_payable_amount_bcy=pay,
                )
                self.org["contacts"].put(contact)


def organization_record(seed: int, index: int, organization_id: str, plan: str) -> tuple[Record, int]:
    name, currency, symbol, time_zone, offset, country, contact = PROFILES[index % len(PROFILES)]
    if index >= len(PROFILES):
        name = f"{name} {index + 1}"
    created = (ANCHOR.date() - timedelta(days=SPAN_DAYS + 30 * index)).isoformat()
    record: Record = {
        "organization_id": organization_id,
        "name": name,
        "contact_name": contact,
        "email": f"accounts@org{index + 1}.example.com",
        "is_default_org": index == 0,
        "plan_name": plan.upper(),
        "plan_period": "Monthly",
        "language_code": "en",
        "fiscal_year_start_month": 0,
        "account_created_date": created,
        "time_zone": time_zone,
        "date_format": "dd MMM yyyy",
        "field_separator": " ",
        "industry_type": "Services",
        "industry_size": "",
        "company_id_label": "Company ID",
        "company_id_value": "",
        "tax_id_label": "Tax ID",
        "tax_id_value": "",
        "currency_id": "",
        "currency_code": currency,
        "currency_symbol": symbol,
        "currency_format": "###,##0.00" if currency != "JPY" else "###,##0",
        "price_precision": 2 if currency != "JPY" else 0,
        "is_org_active": True,
        "org_address": "",
        "remit_to_address": "",
        "phone": "",
        "fax": "",
        "website": "",
        "address": {
            "street_address1": "",
            "street_address2": "",
            "city": "",
            "state": "",
            "country": country,
            "zip": "",
        },
        "custom_fields": [],
        "plan_type": PLAN_TYPES.get(plan, 0),
        "tax_group_enabled": True,
        "zi_migration_status": 0,
        "account_created_date_formatted": date.fromisoformat(created).strftime("%d %b %Y"),
    }
    return record, offset


def seed_organization(
    seed: int,
    index: int,
    organization_id: str,
    plan: str,
    counts: dict[str, int] | None,
    given: Record | None = None,
) -> Organization:
    """One organization with settings; with record counts also custom fields, contacts, invoices, bills
    and expenses. `given` is a fixture's organization record: kept as given, missing fields filled in."""
    record, offset = organization_record(seed, index, organization_id, plan)
    if given is not None:
        record = {**record, **given, "organization_id": organization_id}
    org = new_organization(organization_id, record, offset, _id_base(index))
    seeder = _Seeder(org, random.Random(f"zoho-emulator:{seed}:{index}"), index)
    seeder.settings(custom_fields=counts is not None)
    if counts:
        seeder.contacts(counts.get("contacts", 0))
        seeder.invoices(counts.get("invoices", 0))
        seeder.bills(counts.get("bills", 0))
        seeder.expenses(counts.get("expenses", 0))
        seeder.balances()
    return org
