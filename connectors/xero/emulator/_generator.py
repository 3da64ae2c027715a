"""Seeded, deterministic data: tenants in several regions, each with its settings and documents.

Same seed, same records, ids and credentials on any machine and any day: dates run over the two years up to
REFERENCE_DAY, never from the wall clock. Documents are written through the same arithmetic as API writes.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from . import _contacts, _lines, _settings
from ._documents import CREDIT_NOTES, INVOICES, currency_rate, settle
from ._money import LINE_AMOUNT_TYPES
from ._store import Tenant
from ._wire import Record, date_string, money, ms_date

REFERENCE_DAY = date(2025, 6, 30)
SPAN_DAYS = 730


@dataclass(frozen=True)
class Region:
    country: str
    version: str
    currency: str
    timezone: str
    name: str
    tax_label: str
    tax_rate: Decimal
    others: tuple[str, ...]


REGIONS = (
    Region(
        "NZ",
        "NZ",
        "NZD",
        "NEWZEALANDSTANDARDTIME",
        "Kōwhai Design Studio",
        "GST",
        Decimal(15),
        ("AUD", "USD", "GBP", "EUR", "JPY"),
    ),
    Region("GB", "UK", "GBP", "GMTSTANDARDTIME", "Brightwater Trading Ltd", "VAT", Decimal(20), ("EUR", "USD", "NZD")),
    Region("AU", "AU", "AUD", "AUSEASTERNSTANDARDTIME", "Wattle & Gum Pty Ltd", "GST", Decimal(10), ("NZD", "USD")),
    Region(
        "US",
        "US",
        "USD",
        "EASTERNSTANDARDTIME",
        "Hudson Lane Supplies LLC",
        "Sales Tax",
        Decimal("8.875"),
        ("CAD", "EUR"),
    ),
)
CURRENCY_NAMES = {
    "NZD": "New Zealand Dollar",
    "AUD": "Australian Dollar",
    "USD": "United States Dollar",
    "GBP": "British Pound",
    "EUR": "Euro",
    "JPY": "Japanese Yen",
    "CAD": "Canadian Dollar",
}
# Units per one NZD; other bases are derived from these.
NZD_RATES = {
    "NZD": Decimal(1),
    "AUD": Decimal("0.9112"),
    "USD": Decimal("0.6034"),
    "GBP": Decimal("0.4751"),
    "EUR": Decimal("0.5523"),
    "JPY": Decimal("94.2100"),
    "CAD": Decimal("0.8231"),
}
FIRST = (
    "Aroha",
    "Søren",
    "Zoë",
    "Mateo",
    "Priya",
    "Kenji",
    "Amélie",
    "Tāne",
    "Ingrid",
    "Olu",
    "Mei",
    "Lukas",
    "Nia",
    "Rafael",
    "Ana",
    "Björn",
    "Hēmi",
    "Chloé",
    "Yusuf",
    "Fatima",
)
LAST = (
    "Ngata",
    "Müller",
    "O'Brien",
    "Nakamura",
    "Kowalski",
    "García",
    "Smith",
    "Ōkawa",
    "Dubois",
    "Van der Berg",
    "Patel",
    "Jónsson",
    "Rossi",
    "Nguyễn",
    "Tūhoe",
    "Andersson",
    "Kim",
    "Silva",
)
COMPANY = (
    "Café Zoë",
    "Ōtaki Organics",
    "Müller & Söhne GmbH",
    "株式会社 みどり",
    "Harbour View Motors",
    "Piña Colada Bar",
    "Nordlys AS",
    "Kererū Consulting",
    "Straße 9 Studio",
    "L'Atelier Crème",
    "Pōhutukawa Nursery",
    "Ünal Textiles",
    "Southern Cross Freight",
    "Łódź Imports",
    "Tui Brewing Co",
    "Ålesund Fisheries",
    "Blue Fern Media",
    "Crème de la Crème Catering",
    "Te Awa Kayaks",
    "Zürich Precision",
)
CITIES = (
    ("Wellington", "NZ", "6011"),
    ("Auckland", "NZ", "1010"),
    ("London", "GB", "SW1A 1AA"),
    ("Sydney", "AU", "2000"),
    ("München", "DE", "80331"),
    ("Montréal", "CA", "H2Y 1C6"),
    ("New York", "US", "10001"),
    ("Tōkyō", "JP", "100-0001"),
)
SALES_ITEMS = (
    ("DESIGN-HR", "Design hour", "Design work, per hour", Decimal("145.00")),
    ("LOGO", "Logo package", "Logo design with three revisions", Decimal("950.00")),
    ("PRINT-A4", "A4 print run", "100 A4 colour prints", Decimal("62.50")),
    ("WEB-SETUP", "Website set-up", "Site set-up and hosting for a year", Decimal("1800.00")),
    ("CONSULT", "Consulting hour", "Consulting, per hour", Decimal("210.00")),
    ("WORKSHOP", "Workshop day", "On-site workshop (one day)", Decimal("2400.00")),
    ("SUPPORT-M", "Monthly support", "Support plan, one month", Decimal("399.00")),
    ("PHOTO", "Photo shoot", "Half-day photo shoot", Decimal("780.00")),
)
PURCHASE_ITEMS = (
    ("PAPER", "Paper ream", "A4 paper, 500 sheets", Decimal("8.95")),
    ("INK-CMYK", "Ink set", "CMYK ink cartridges", Decimal("189.00")),
    ("SW-LIC", "Software licence", "Design software, one seat for a year", Decimal("720.00")),
    ("COURIER", "Courier", "Courier delivery", Decimal("14.50")),
)
EXPENSE_NOTES = (
    "Taxi to client",
    "Team lunch",
    "Stationery",
    "Parking",
    "Domain renewal",
    "Coffee beans",
    "Train fare",
    "Printer repair",
    "Conference ticket",
    "Mobile plan",
)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def credentials(seed: int) -> tuple[str, str, str, str]:
    """client_id, client_secret, refresh_token and webhook key of the seeded app, derived from the seed."""
    digest = hashlib.sha256(f"xero-emulator-{seed}".encode()).hexdigest()
    more = hashlib.sha256(f"xero-emulator-secret-{seed}".encode()).hexdigest()
    client_id = digest[:32].upper()
    client_secret = (more + digest)[:48]
    refresh = hashlib.sha256(f"xero-emulator-refresh-{seed}".encode()).hexdigest()
    key = hashlib.sha256(f"xero-emulator-webhook-{seed}".encode()).digest()
    import base64

    return client_id, client_secret, refresh, base64.b64encode(key).decode()[:88]


def tenant_id(seed: int, index: int) -> str:
    return str(uuid.UUID(hashlib.md5(f"xero-tenant-{seed}-{index}".encode()).hexdigest(), version=4))


def _moment(rng: random.Random, day: date) -> datetime:
    seconds = rng.randrange(8 * 3600, 18 * 3600)
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(
        seconds=seconds, milliseconds=rng.randrange(1000)
    )


def organisation(region: Region, org_id: str, name: str, index: int, seed: int) -> Record:
    short = hashlib.sha1(f"{seed}-{index}".encode()).hexdigest()[:5]
    return {
        "APIKey": hashlib.sha1(org_id.encode()).hexdigest()[:30].upper(),
        "Name": name,
        "LegalName": name,
        "PaysTax": True,
        "Version": region.version,
        "OrganisationType": "COMPANY",
        "BaseCurrency": region.currency,
        "CountryCode": region.country,
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": f"{7000000 + index * 1111}",
        "TaxNumber": f"{100 + index}-{200 + index}-{300 + index}",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "ACCRUALS" if region.country != "US" else "CASH",
        "SalesTaxPeriod": "TWOMONTHS" if region.country == "NZ" else "QUARTERLY",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Inclusive",
        "CreatedDateUTC": ms_date(datetime(2019, 4, 1, 9, 30, tzinfo=UTC) + timedelta(days=index)),
        "OrganisationEntityType": "COMPANY",
        "Timezone": region.timezone,
        "ShortCode": f"!{short}",
        "OrganisationID": org_id,
        "Edition": "BUSINESS",
        "Class": "PREMIUM",
        "LineOfBusiness": "Design and printing",
        "Addresses": [
            {
                "AddressType": "STREET",
                "AddressLine1": "1 Cuba Street",
                "City": CITIES[index % len(CITIES)][0],
                "PostalCode": CITIES[index % len(CITIES)][2],
                "Country": region.country,
                "AttentionTo": "",
            },
        ],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "555 0100", "PhoneAreaCode": "04", "PhoneCountryCode": "64"}],
        "ExternalLinks": [],
        "PaymentTerms": {
            "Sales": {"Day": 20, "Type": "OFCURRENTMONTH"},
            "Bills": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
        },
    }


def tax_rates(region: Region) -> list[Record]:
    label = region.tax_label
    rate = region.tax_rate
    zero = Decimal(0)
    return [
        _settings.tax_rate("Tax Exempt", "NONE", [("No Tax", zero, False)], "NONE"),
        _settings.tax_rate("Zero Rated", "ZERORATED", [(label, zero, False)], "OUTPUT"),
        _settings.tax_rate(f"{label} on Income", "OUTPUT2", [(label, rate, False)], "OUTPUT"),
        _settings.tax_rate(f"{label} on Expenses", "INPUT2", [(label, rate, False)], "INPUT"),
        _settings.tax_rate("15% Services Levy", "TAX001", [("Levy", Decimal(15), False)], "OUTPUT"),
        _settings.tax_rate("20% Luxury Goods", "TAX002", [("Luxury", Decimal(20), False)], "OUTPUT"),
        _settings.tax_rate(
            "GST + Regional (compound)",
            "TAX003",
            [("GST", Decimal(5), False), ("Regional", Decimal("9.975"), True)],
            "OUTPUT",
        ),
    ]


ACCOUNTS = (
    ("090", "Business Bank Account", "BANK", "NONE"),
    ("091", "Business Savings Account", "BANK", "NONE"),
    ("200", "Sales", "REVENUE", "OUTPUT2"),
    ("260", "Other Revenue", "REVENUE", "OUTPUT2"),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2"),
    ("400", "Advertising", "OVERHEADS", "INPUT2"),
    ("404", "Bank Fees", "OVERHEADS", "NONE"),
    ("420", "Entertainment", "OVERHEADS", "INPUT2"),
    ("429", "General Expenses", "OVERHEADS", "INPUT2"),
    ("461", "Printing & Stationery", "OVERHEADS", "INPUT2"),
    ("469", "Rent", "OVERHEADS", "INPUT2"),
    ("489", "Telephone & Internet", "OVERHEADS", "INPUT2"),
    ("493", "Travel - National", "OVERHEADS", "INPUT2"),
    ("610", "Accounts Receivable", "CURRENT", "NONE"),
    ("800", "Accounts Payable", "CURRLIAB", "NONE"),
    ("820", "Sales Tax", "CURRLIAB", "NONE"),
)
SYSTEM = {"610": "DEBTORS", "800": "CREDITORS", "820": "GST"}


def _settings_for(tenant: Tenant, region: Region, rng: random.Random, stamp: str) -> None:
    for code in (region.currency, *region.others):
        tenant["Currencies"].put({"Code": code, "Description": CURRENCY_NAMES[code]})
        tenant.rates[code] = (NZD_RATES[code] / NZD_RATES[region.currency]).quantize(Decimal("1.0000000000"))
    for record in tax_rates(region):
        tenant["TaxRates"].put(record)
    tenant.counters["TaxRates"] = 3
    for code, name, kind, tax_type in ACCOUNTS:
        extra: dict[str, object] = {}
        if code in SYSTEM:
            extra["SystemAccount"] = SYSTEM[code]
        if kind == "BANK":
            extra.update(BankAccountNumber=f"12-3456-{7890123 + int(code)}-00", CurrencyCode=region.currency)
            extra["EnablePaymentsToAccount"] = True
        tenant["Accounts"].put(_settings.account(_uuid(rng), code, name, kind, tax_type, stamp, **extra))
    for code, name, description, price in SALES_ITEMS:
        tenant["Items"].put(
            _settings.item(
                _uuid(rng),
                code,
                name,
                stamp,
                Description=description,
                SalesDetails={"UnitPrice": price, "AccountCode": "200", "TaxType": "OUTPUT2"},
                PurchaseDetails={},
                IsPurchased=False,
            )
        )
    for code, name, description, price in PURCHASE_ITEMS:
        tenant["Items"].put(
            _settings.item(
                _uuid(rng),
                code,
                name,
                stamp,
                PurchaseDescription=description,
                PurchaseDetails={"UnitPrice": price, "AccountCode": "461", "TaxType": "INPUT2"},
                SalesDetails={},
                IsSold=False,
            )
        )
    region_options = ["North", "South", "East", "West", "Ōtautahi"]
    categories = [
        ("Region", region_options, "ACTIVE"),
        ("Department", ["Design", "Print", "Digital"], "ACTIVE"),
        ("Project", ["Rebrand 2024"], "ARCHIVED"),
    ]
    for name, options, status in categories:
        record = _settings.tracking_category(
            _uuid(rng), name, [_settings.tracking_option(_uuid(rng), option) for option in options]
        )
        record["Status"] = status
        tenant["TrackingCategories"].put(record)


class _Writer:
    """Builds documents through the emulator's own line arithmetic, without the HTTP layer."""

    def __init__(self, tenant: Tenant, rng: random.Random) -> None:
        from ._call import Call
        from ._store import Store

        self.tenant = tenant
        self.rng = rng
        self.call = Call(tenant, Store(), datetime.now(UTC), {}, {}, None, {})
        self.call.new_id = lambda: _uuid(rng)  # type: ignore[method-assign]

    def lines(self, sales: bool, kind: str, count: int, tracked: bool) -> list[Record]:
        rng = self.rng
        sent: list[Record] = []
        region = [o for c in self.tenant["TrackingCategories"] if c["Name"] == "Region" for o in c["Options"]]
        for _ in range(count):
            if sales:
                code, _, description, price = rng.choice(SALES_ITEMS)
                line: Record = {"ItemCode": code, "Description": description, "AccountCode": "200"}
                line["TaxType"] = rng.choice(
                    ("OUTPUT2", "OUTPUT2", "OUTPUT2", "ZERORATED", "TAX001", "TAX002", "TAX003")
                )
            else:
                code, _, description, price = rng.choice(PURCHASE_ITEMS)
                line = {"ItemCode": code, "Description": description}
                line["AccountCode"] = rng.choice(("461", "429", "310", "489"))
                line["TaxType"] = rng.choice(("INPUT2", "INPUT2", "NONE"))
            line["Quantity"] = Decimal(rng.choice((1, 1, 1, 2, 3, 5, 10)))
            line["UnitAmount"] = (price * Decimal(rng.randrange(80, 121)) / 100).quantize(Decimal("0.01"))
            if kind == "NoTax":
                line["TaxType"] = "NONE"
            if sales and rng.random() < 0.15:
                line["DiscountRate"] = Decimal(rng.choice((5, 10, 12.5)))
            if tracked and region:
                line["Tracking"] = [{"Name": "Region", "Option": rng.choice(region)["Name"]}]
            sent.append(line)
        return sent


def _contact(rng: random.Random, index: int, stamp: str, currencies: list[str]) -> Record:
    if rng.random() < 0.55:
        name = f"{COMPANY[index % len(COMPANY)]}" + ("" if index < len(COMPANY) else f" {index // len(COMPANY) + 1}")
        first, last = rng.choice(FIRST), rng.choice(LAST)
    else:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}" + ("" if index < 40 else f" ({index})")
    record = _contacts.blank(_uuid(rng), name, stamp)
    email_name = "".join(ch for ch in f"{first}.{last}".lower() if ch.isascii() and (ch.isalnum() or ch == "."))
    city, country, postcode = rng.choice(CITIES)
    record.update(
        {
            "FirstName": first,
            "LastName": last,
            "EmailAddress": f"{email_name or 'contact'}{index}@example.com",
            "Addresses": [
                {
                    "AddressType": "STREET",
                    "AddressLine1": f"{rng.randrange(1, 400)} Queen Street",
                    "City": city,
                    "Region": "",
                    "PostalCode": postcode,
                    "Country": country,
                },
                {
                    "AddressType": "POBOX",
                    "AddressLine1": f"PO Box {rng.randrange(100, 9999)}",
                    "City": city,
                    "Region": "",
                    "PostalCode": postcode,
                    "Country": country,
                },
            ],
            "Phones": [
                {
                    "PhoneType": "DEFAULT",
                    "PhoneNumber": f"{rng.randrange(2000000, 9999999)}",
                    "PhoneAreaCode": "04",
                    "PhoneCountryCode": "64",
                },
                {"PhoneType": "DDI", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
                {"PhoneType": "FAX", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
                {
                    "PhoneType": "MOBILE",
                    "PhoneNumber": f"021 {rng.randrange(100000, 999999)}",
                    "PhoneAreaCode": "",
                    "PhoneCountryCode": "64",
                },
            ],
        }
    )
    if rng.random() < 0.3:
        record["ContactNumber"] = f"C-{1000 + index}"
    if rng.random() < 0.15 and len(currencies) > 1:
        record["DefaultCurrency"] = rng.choice(currencies[1:])
    if rng.random() < 0.06:
        record["ContactStatus"] = "ARCHIVED"
    return record


def _status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.10:
        return "DRAFT"
    if roll < 0.15:
        return "SUBMITTED"
    if roll < 0.58:
        return "AUTHORISED"
    if roll < 0.90:
        return "PAID"
    if roll < 0.95:
        return "VOIDED"
    return "DELETED"


def seed_tenant(seed: int, index: int, counts: dict[str, int], org_id: str | None = None) -> Tenant:
    """One tenant with generated settings and `counts` contacts / invoices / bills / expenses."""
    rng = random.Random(f"{seed}-{index}")
    region = REGIONS[index % len(REGIONS)]
    name = region.name if index < len(REGIONS) else f"{region.name} {index // len(REGIONS) + 1}"
    org_id = org_id or tenant_id(seed, index)
    tenant = Tenant(org_id, name, organisation(region, org_id, name, index, seed))
    setup = ms_date(datetime(2023, 6, 1, 9, tzinfo=UTC))
    _settings_for(tenant, region, rng, setup)
    writer = _Writer(tenant, rng)
    currencies = [region.currency, *region.others]
    contacts = [_contact(rng, n, setup, currencies) for n in range(counts.get("contacts", 0))]
    for record in contacts:
        tenant["Contacts"].put(record)
    active = [c for c in contacts if c.get("ContactStatus") != "ARCHIVED"] or contacts
    bank = tenant["Accounts"].find("Code", "090")
    assert bank is not None
    documents: list[tuple[datetime, str, Record]] = []
    for doc_type, count in (("ACCREC", counts.get("invoices", 0)), ("ACCPAY", counts.get("bills", 0))):
        for _ in range(count):
            documents.append(_document(writer, doc_type, active, bank, currencies))
    for _ in range(max(counts.get("invoices", 0) // 25, 1 if counts.get("invoices", 0) else 0)):
        documents.append(_credit_note(writer, active))
    for _ in range(counts.get("expenses", 0)):
        documents.append(_expense(writer, active, bank))
    # Written in time order so that numbers and UpdatedDateUTC rise together, as in a real file.
    documents.sort(key=lambda entry: entry[0])
    for _, collection, record in documents:
        if collection == "Invoices" and record["Type"] == "ACCREC":
            record["InvoiceNumber"] = f"INV-{tenant.next_number('Invoices'):04d}"
        elif collection == "CreditNotes":
            record["CreditNoteNumber"] = f"CN-{tenant.next_number('CreditNotes'):04d}"
        tenant[collection].put(record)
        if collection in ("Invoices", "CreditNotes") and record.get("Status") != "DELETED":
            _contacts.mark_role(writer.call, record["Contact"]["ContactID"], record["Type"])
    return tenant


def _dates(rng: random.Random) -> tuple[date, date, datetime]:
    day = REFERENCE_DAY - timedelta(days=rng.randrange(SPAN_DAYS))
    due = day + timedelta(days=rng.choice((7, 14, 20, 30)))
    updated = _moment(rng, min(day + timedelta(days=rng.randrange(0, 20)), REFERENCE_DAY))
    return day, due, updated


def _document(
    writer: _Writer, doc_type: str, contacts: list[Record], bank: Record, currencies: list[str]
) -> tuple[datetime, str, Record]:
    rng = writer.rng
    tenant = writer.tenant
    sales = doc_type == "ACCREC"
    contact = rng.choice(contacts)
    kind = rng.choices(LINE_AMOUNT_TYPES, weights=(6, 3, 1))[0]
    status = _status(rng)
    day, due, updated = _dates(rng)
    currency = contact.get("DefaultCurrency") or (rng.choice(currencies[1:]) if rng.random() < 0.1 else currencies[0])
    sent = writer.lines(sales, kind, rng.choice((1, 1, 2, 2, 3, 4)), tracked=rng.random() < 0.4)
    computed = _lines.compute(writer.call, sent, [], kind, sales=sales, approved=True)
    record: Record = {
        "Type": doc_type,
        "InvoiceID": _uuid(rng),
        "InvoiceNumber": "" if sales else f"SUP-{rng.randrange(10000, 99999)}",
        "Reference": f"PO-{rng.randrange(1000, 9999)}" if rng.random() < 0.5 else "",
        "Prepayments": [],
        "Overpayments": [],
        "AmountDue": Decimal("0.00"),
        "AmountPaid": Decimal("0.00"),
        "AmountCredited": Decimal("0.00"),
        "SentToContact": sales and status in ("AUTHORISED", "PAID"),
        "CurrencyRate": currency_rate(tenant, currency),
        "IsDiscounted": computed.discounted,
        "HasAttachments": False,
        "HasErrors": False,
        "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
        "DateString": date_string(day),
        "Date": ms_date(day),
        "DueDateString": date_string(due),
        "DueDate": ms_date(due),
        "Status": status,
        "LineAmountTypes": kind,
        "LineItems": computed.lines,
        "SubTotal": computed.totals.sub_total,
        "TotalTax": computed.totals.total_tax,
        "Total": computed.totals.total,
        "UpdatedDateUTC": ms_date(updated),
        "CurrencyCode": currency,
    }
    if computed.discounted:
        record["TotalDiscount"] = computed.totals.total_discount
    settle(record)
    if status in ("PAID", "AUTHORISED") and (status == "PAID" or rng.random() < 0.25):
        total = Decimal(str(record["Total"]))
        amount = total if status == "PAID" else money(total * Decimal(rng.choice((25, 40, 50))) / 100)
        if amount > 0:
            paid_on = min(day + timedelta(days=rng.randrange(1, 40)), REFERENCE_DAY)
            payment = {
                "PaymentID": _uuid(rng),
                "Date": ms_date(paid_on),
                "BankAmount": amount,
                "Amount": amount,
                "Reference": rng.choice(("", "Direct credit", "Card", "Bank transfer")),
                "CurrencyRate": record["CurrencyRate"],
                "PaymentType": "ACCRECPAYMENT" if sales else "ACCPAYPAYMENT",
                "Status": "AUTHORISED",
                "UpdatedDateUTC": ms_date(_moment(rng, paid_on)),
                "HasAccount": True,
                "IsReconciled": rng.random() < 0.5,
                "Account": {"AccountID": bank["AccountID"], "Code": bank["Code"], "Name": bank["Name"]},
                "Invoice": {
                    "Type": doc_type,
                    "InvoiceID": record["InvoiceID"],
                    "InvoiceNumber": record["InvoiceNumber"],
                    "Contact": dict(record["Contact"]),
                    "CurrencyCode": currency,
                },
                "HasValidationErrors": False,
            }
            tenant["Payments"].put(payment)
            record["AmountPaid"] = amount
            settle(record)
            if status == "PAID":
                record["FullyPaidOnDate"] = ms_date(paid_on)
            updated = max(updated, datetime.combine(paid_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12))
            record["UpdatedDateUTC"] = ms_date(updated)
        elif status == "PAID":
            record["Status"] = "AUTHORISED"
    return updated, INVOICES.collection, record


def _credit_note(writer: _Writer, contacts: list[Record]) -> tuple[datetime, str, Record]:
    rng = writer.rng
    contact = rng.choice(contacts)
    kind = rng.choice(("Exclusive", "Inclusive"))
    day, _, updated = _dates(rng)
    doc_type = rng.choice(("ACCRECCREDIT", "ACCRECCREDIT", "ACCPAYCREDIT"))
    sales = doc_type == "ACCRECCREDIT"
    computed = _lines.compute(writer.call, writer.lines(sales, kind, 1, False), [], kind, sales=sales, approved=True)
    record: Record = {
        "Type": doc_type,
        "CreditNoteID": _uuid(rng),
        "CreditNoteNumber": "" if sales else f"SCN-{rng.randrange(100, 999)}",
        "Reference": "Returned goods",
        "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
        "DateString": date_string(day),
        "Date": ms_date(day),
        "Status": rng.choice(("AUTHORISED", "AUTHORISED", "DRAFT", "VOIDED")),
        "LineAmountTypes": kind,
        "LineItems": computed.lines,
        "SubTotal": computed.totals.sub_total,
        "TotalTax": computed.totals.total_tax,
        "Total": computed.totals.total,
        "UpdatedDateUTC": ms_date(updated),
        "CurrencyCode": writer.tenant.base_currency,
        "CurrencyRate": Decimal("1.0000000000"),
        "RemainingCredit": Decimal("0.00"),
        "AppliedAmount": Decimal("0.00"),
        "Allocations": [],
        "Payments": [],
        "SentToContact": False,
        "HasAttachments": False,
        "HasErrors": False,
    }
    settle(record)
    return updated, CREDIT_NOTES.collection, record


def _expense(writer: _Writer, contacts: list[Record], bank: Record) -> tuple[datetime, str, Record]:
    rng = writer.rng
    contact = rng.choice(contacts)
    kind = rng.choices(LINE_AMOUNT_TYPES, weights=(2, 6, 1))[0]
    day, _, updated = _dates(rng)
    amount = Decimal(rng.randrange(450, 48000)) / 100
    line: Record = {
        "Description": rng.choice(EXPENSE_NOTES),
        "Quantity": Decimal(1),
        "UnitAmount": amount,
        "AccountCode": rng.choice(("420", "429", "461", "493", "489")),
        "TaxType": "NONE" if kind == "NoTax" else rng.choice(("INPUT2", "INPUT2", "NONE")),
    }
    computed = _lines.compute(writer.call, [line], [], kind, sales=False, approved=True)
    record: Record = {
        "BankTransactionID": _uuid(rng),
        "Type": "SPEND",
        "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
        "BankAccount": {"AccountID": bank["AccountID"], "Code": bank["Code"], "Name": bank["Name"]},
        "IsReconciled": rng.random() < 0.6,
        "DateString": date_string(day),
        "Date": ms_date(day),
        "Reference": rng.choice(("", "Card 4421", "Petty cash")),
        "CurrencyCode": writer.tenant.base_currency,
        "CurrencyRate": Decimal("1.0000000000"),
        "Status": "DELETED" if rng.random() < 0.04 else "AUTHORISED",
        "LineAmountTypes": kind,
        "LineItems": computed.lines,
        "SubTotal": computed.totals.sub_total,
        "TotalTax": computed.totals.total_tax,
        "Total": computed.totals.total,
        "UpdatedDateUTC": ms_date(updated),
        "HasAttachments": False,
    }
    return updated, "BankTransactions", record
