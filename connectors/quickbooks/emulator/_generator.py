"""Seeded companies: the same seed gives the same companies, records and credentials on any machine and date.

Each company is a non-US one (QuickBooks' TaxCode/TaxRate model): the first is Canadian (GST, HST, GST+PST
codes), then British (VAT), then Australian (GST), in turn. Records are dated over the two years up to
2025-06-30 and written through the same code as API writes, so their arithmetic is QuickBooks'.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ._records import Writer, settle_balances
from ._store import Realm, Record

END = date(2025, 6, 30)
SPAN_DAYS = 730


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    currency: str
    currency_name: str
    offset_minutes: int
    agency: str
    rates: tuple[tuple[str, str], ...]  # (name, percent)
    codes: tuple[tuple[str, str, tuple[int, ...]], ...]  # (name, description, indexes into rates)
    cities: tuple[tuple[str, str, str], ...]  # (city, subdivision, postal code)


COUNTRIES = (
    Country(
        "CA", "Canada", "CAD", "Canadian Dollar", -300, "Canada Revenue Agency",
        (("GST", "5"), ("HST ON", "13"), ("PST BC", "7"), ("Zero-rated", "0")),
        (("GST", "GST 5%", (0,)), ("HST ON", "HST 13% (Ontario)", (1,)), ("GST/PST BC", "GST 5% + PST 7%", (0, 2)),
         ("Zero-rated", "Zero-rated 0%", (3,)), ("Exempt", "Exempt", ())),
        (("Toronto", "ON", "M5H 2N2"), ("Vancouver", "BC", "V6B 1A1"), ("Montréal", "QC", "H2Y 1C6"),
         ("Calgary", "AB", "T2P 1J9")),
    ),
    Country(
        "GB", "United Kingdom", "GBP", "British Pound Sterling", 0, "HM Revenue & Customs",
        (("20.0% S", "20"), ("5.0% R", "5"), ("0.0% Z", "0")),
        (("20.0% S", "Standard 20%", (0,)), ("5.0% R", "Reduced 5%", (1,)), ("0.0% Z", "Zero-rated 0%", (2,)),
         ("Exempt", "Exempt", ()), ("No VAT", "No VAT", ())),
        (("London", "", "EC1A 1BB"), ("Manchester", "", "M1 1AE"), ("Edinburgh", "", "EH1 1YZ")),
    ),
    Country(
        "AU", "Australia", "AUD", "Australian Dollar", 600, "Australian Taxation Office",
        (("GST", "10"), ("GST free", "0")),
        (("GST", "GST 10%", (0,)), ("FRE", "GST free", (1,)), ("INP", "Input taxed", ())),
        (("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000"), ("Brisbane", "QLD", "4000")),
    ),
)  # fmt: skip

GIVEN = ("Olivia", "Liam", "Émilie", "Noah", "Zoë", "Mateo", "Aisha", "Hiroshi", "Ingrid", "Tomás", "Priya",
         "Lars", "Chloé", "Björn", "Amara", "Kenji", "Sofía", "Malik", "Anouk", "Rafael")  # fmt: skip
FAMILY = ("Tremblay", "Smith", "Nguyen", "Müller", "O'Brien", "García", "Kowalski", "Okafor", "Haddad",
          "Larsen", "Dubois", "Rossi", "Tanaka", "Singh", "Andersson", "Costa", "Novák", "Fitzgerald", "Leblanc",
          "Wójcik")  # fmt: skip
TRADES = ("Consulting", "Bakery", "Logistics", "Design Studio", "Engineering", "Café", "Robotics", "Florist",
          "Analytics", "Outfitters", "Builders", "Media", "Labs", "Trading Co.", "Kitchens")  # fmt: skip
STREETS = ("Main St", "King St W", "Rue Sainte-Catherine", "High Street", "George St", "Queen's Road", "Elm Ave")
SERVICES = (("Services", "Service", "85"), ("Consulting hours", "Service", "150"), ("Design", "Service", "120"),
            ("Installation", "Service", "95"), ("Support plan", "Service", "49.99"), ("Training day", "Service", "800"),
            ("Widget", "NonInventory", "12.5"), ("Cable kit", "NonInventory", "7.25"), ("Sensor", "NonInventory", "64"),
            ("Gadget Pro", "Inventory", "249"))  # fmt: skip
ACCOUNTS = (("Chequing", "Bank", "Checking"), ("Savings", "Bank", "Savings"),
            ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
            ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
            ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
            ("Inventory Asset", "Other Current Asset", "Inventory"), ("Visa", "Credit Card", "CreditCard"),
            ("Sales", "Income", "SalesOfProductIncome"), ("Services", "Income", "ServiceFeeIncome"),
            ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
            ("Office Expenses", "Expense", "OfficeGeneralAdministrativeExpenses"), ("Travel", "Expense", "Travel"),
            ("Supplies", "Expense", "SuppliesMaterials"), ("Advertising", "Expense", "AdvertisingPromotional"),
            ("Tax Payable", "Other Current Liability", "GlobalTaxPayable"),
            ("Opening Balance Equity", "Equity", "OpeningBalanceEquity"))  # fmt: skip
EXPENSE_ACCOUNTS = ("Office Expenses", "Travel", "Supplies", "Advertising", "Cost of Goods Sold")


def _token(rng: random.Random, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def credentials(seed: int) -> tuple[str, str, str, str]:
    """client_id, client_secret, refresh token and webhook verifier token for a seed."""
    rng = random.Random(f"quickbooks-credentials-{seed}")
    client_id = "AB" + _token(rng, 48)
    secret = _token(rng, 40)
    refresh = "AB11" + "".join(rng.choice(string.digits) for _ in range(12)) + _token(rng, 34)
    verifier = "-".join(_token(rng, n, "0123456789abcdef") for n in (8, 4, 4, 4, 12))
    return client_id, secret, refresh, verifier


def realm_id(seed: int, index: int) -> str:
    rng = random.Random(f"quickbooks-realm-{seed}-{index}")
    return "9130" + "".join(rng.choice(string.digits) for _ in range(12))


def new_realm(seed: int, index: int, ident: str | None = None) -> Realm:
    country = COUNTRIES[index % len(COUNTRIES)]
    return Realm(
        realm_id=ident or realm_id(seed, index),
        country=country.code,
        currency=country.currency,
        currency_name=country.currency_name,
        offset_minutes=country.offset_minutes,
    )


def _moment(realm: Realm, day: date, rng: random.Random) -> datetime:
    clock = datetime(day.year, day.month, day.day, 8, 0, tzinfo=realm.zone)
    return (clock + timedelta(seconds=rng.randrange(10 * 3600))).astimezone(UTC)


def _noop(entity: str, record: Record, operation: str) -> None:
    """Seeding sends no webhooks."""


class _Seeder:
    def __init__(self, realm: Realm, rng: random.Random) -> None:
        self.realm = realm
        self.rng = rng
        self.start = _moment(realm, END - timedelta(days=SPAN_DAYS + 30), rng)

    def write(self, entity: str, body: dict[str, Any], when: datetime | None = None) -> Record:
        return Writer(self.realm, when or self.start, _noop, bulk=True).create(entity, body)

    def day(self) -> date:
        return END - timedelta(days=self.rng.randrange(SPAN_DAYS))


def settings_records(realm: Realm, company_name: str, when: datetime) -> None:
    """CompanyInfo and Preferences (Id 1, as QuickBooks numbers them)."""
    country = next(c for c in COUNTRIES if c.code == realm.country)
    city, subdivision, postal = country.cities[0]
    stamp = realm.stamp(when)
    meta = {"CreateTime": stamp, "LastUpdatedTime": stamp}
    address = {"Id": "1", "Line1": "100 King St W", "City": city, "Country": country.code, "PostalCode": postal}
    if subdivision:
        address["CountrySubDivisionCode"] = subdivision
    realm.add(
        "CompanyInfo",
        {
            "Id": realm.realm_id,
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "CompanyName": company_name,
            "LegalName": company_name + " Ltd.",
            "CompanyAddr": address,
            "CustomerCommunicationAddr": dict(address),
            "LegalAddr": dict(address),
            "PrimaryPhone": {"FreeFormNumber": "(416) 555-0100"},
            "CompanyStartDate": (END - timedelta(days=SPAN_DAYS + 30)).isoformat(),
            "FiscalYearStartMonth": "January",
            "Country": country.code,
            "Email": {"Address": "books@example.com"},
            "WebAddr": {"URI": "https://example.com"},
            "SupportedLanguages": "en",
            "NameValue": [
                {"Name": "NeoEnabled", "Value": "true"},
                {"Name": "IndustryType", "Value": "Professional services"},
                {"Name": "SubscriptionStatus", "Value": "SUBSCRIBED"},
                {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            ],
            "MetaData": meta,
        },
    )
    realm.add(
        "Preferences",
        {
            "Id": "1",
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "AccountingInfoPrefs": {"TrackDepartments": True, "DepartmentTerminology": "Location",
                                    "ClassTrackingPerTxnLine": True, "CustomerTerminology": "Customers"},
            "SalesFormsPrefs": {"CustomTxnNumbers": False, "AllowDeposit": False, "AllowDiscount": False,
                                "DefaultTerms": {"value": "3"}, "ETransactionEnabledStatus": "NotApplicable"},
            "VendorAndPurchasesPrefs": {"TrackingByCustomer": True, "BillableExpenseTracking": True,
                                        "DefaultTerms": {"value": "3"}},
            "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": False, "TaxGroupCodeRef": {"value": "1"}},
            "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": realm.currency}},
            "OtherPrefs": {"NameValue": [{"Name": "SalesFormsPrefs.DefaultCustomerMessage", "Value": "Thank you!"}]},
            "MetaData": meta,
        },
    )  # fmt: skip


def seed_lists(realm: Realm, seeder: _Seeder) -> None:
    """Tax agencies, rates and codes, the chart of accounts, terms, classes, departments and items."""
    country = next(c for c in COUNTRIES if c.code == realm.country)
    stamp = realm.stamp(seeder.start)
    meta = {"CreateTime": stamp, "LastUpdatedTime": stamp}
    base = {"SyncToken": "0", "domain": "QBO", "sparse": False, "MetaData": meta}
    realm.add("TaxAgency", {**base, "Id": "1", "DisplayName": country.agency, "TaxTrackedOnSales": True,
                            "TaxTrackedOnPurchases": True})  # fmt: skip
    for index, (name, percent) in enumerate(country.rates, start=1):
        for side, offset in (("Sales", 0), ("Purchase", len(country.rates))):
            ident = str(index + offset)
            realm.add(
                "TaxRate",
                {**base, "Id": ident, "Name": f"{name} ({side})", "Description": f"{name} on {side.lower()}s",
                 "Active": True, "RateValue": Decimal(percent), "AgencyRef": {"value": "1"},
                 "TaxReturnLineRef": {"value": str(index)}, "SpecialTaxType": "NONE", "DisplayType": "ReadOnly",
                 "EffectiveTaxRate": [{"RateValue": Decimal(percent), "EffectiveDate": "2014-01-01T00:00:00Z"}]},
            )  # fmt: skip
    for code_index, (name, description, rate_indexes) in enumerate(country.codes, start=2):
        record: Record = {**base, "Id": str(code_index), "Name": name, "Description": description,
                          "Active": True, "Hidden": False, "Taxable": bool(rate_indexes),
                          "TaxGroup": len(rate_indexes) > 1}  # fmt: skip
        for key, offset, kind in (
            ("SalesTaxRateList", 0, "TaxOnAmount"),
            ("PurchaseTaxRateList", len(country.rates), "TaxOnAmount"),
        ):
            record[key] = {
                "TaxRateDetail": [
                    {"TaxRateRef": {"value": str(i + 1 + offset), "name": f"{country.rates[i][0]}"},
                     "TaxTypeApplicable": kind, "TaxOrder": order}
                    for order, i in enumerate(rate_indexes)
                ]
            }  # fmt: skip
        realm.add("TaxCode", record)
    realm.counters["TaxCode"] = len(country.codes) + 1
    realm.counters["TaxRate"] = 2 * len(country.rates)
    realm.counters["TaxAgency"] = 1
    for name, kind, subtype in ACCOUNTS:
        seeder.write("Account", {"Name": name, "AccountType": kind, "AccountSubType": subtype})
    for name, days in (("Due on receipt", 0), ("Net 15", 15), ("Net 30", 30), ("Net 60", 60)):
        seeder.write("Term", {"Name": name, "DueDays": days, "Type": "STANDARD"})
    for name in ("Retail", "Wholesale", "Online", "Projects"):
        seeder.write("Class", {"Name": name})
    for name in ("Head office", "East", "West"):
        seeder.write("Department", {"Name": name})
    accounts = {a["Name"]: a["Id"] for a in realm.records["Account"].values()}
    first_code = "2"
    for name, kind, price in SERVICES:
        body: dict[str, Any] = {
            "Name": name, "Type": kind, "UnitPrice": Decimal(price), "Description": f"{name} ({kind.lower()})",
            "IncomeAccountRef": {"value": accounts["Services" if kind == "Service" else "Sales"]},
            "ExpenseAccountRef": {"value": accounts["Cost of Goods Sold"]},
            "SalesTaxCodeRef": {"value": first_code}, "PurchaseTaxCodeRef": {"value": first_code},
            "Taxable": True, "PurchaseCost": (Decimal(price) * Decimal("0.6")).quantize(Decimal("0.01")),
        }  # fmt: skip
        if kind == "Inventory":
            body.update({"AssetAccountRef": {"value": accounts["Inventory Asset"]}, "QtyOnHand": Decimal(40),
                         "InvStartDate": seeder.start.date().isoformat(), "TrackQtyOnHand": True})  # fmt: skip
        seeder.write("Item", body)


def _address(rng: random.Random, country: Country) -> Record:
    city, subdivision, postal = rng.choice(country.cities)
    address = {"Line1": f"{rng.randrange(1, 999)} {rng.choice(STREETS)}", "City": city, "Country": country.code,
               "PostalCode": postal}  # fmt: skip
    if subdivision:
        address["CountrySubDivisionCode"] = subdivision
    return address


def _people(rng: random.Random, count: int, country: Country, used: set[str]) -> Iterator[dict[str, Any]]:
    for n in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        company = f"{family} {rng.choice(TRADES)}" if rng.random() < 0.6 else ""
        display = company or f"{given} {family}"
        while display.lower() in used:
            display = f"{display} {n + 2}"
        used.add(display.lower())
        email = f"{given}.{family}".lower().encode("ascii", "ignore").decode().replace("'", "") + "@example.com"
        body: dict[str, Any] = {
            "DisplayName": display, "GivenName": given, "FamilyName": family,
            "PrimaryEmailAddr": {"Address": email},
            "PrimaryPhone": {"FreeFormNumber": f"({rng.randrange(200, 999)}) 555-{rng.randrange(1000, 9999)}"},
            "BillAddr": _address(rng, country),
        }  # fmt: skip
        if company:
            body["CompanyName"] = company
        yield body


def seed_realm(seed: int, index: int, realm: Realm, counts: dict[str, int], company_name: str | None = None) -> Realm:
    """Fill a company with seeded records (``counts``: contacts, invoices, bills, expenses)."""
    rng = random.Random(f"quickbooks-data-{seed}-{index}")
    country = next(c for c in COUNTRIES if c.code == realm.country)
    seeder = _Seeder(realm, rng)
    settings_records(realm, company_name or f"{rng.choice(FAMILY)} {rng.choice(TRADES)}", seeder.start)
    seed_lists(realm, seeder)
    contacts = counts.get("contacts", 0)
    vendors_count = contacts // 3
    used: set[str] = set()
    customers = [seeder.write("Customer", b) for b in _people(rng, contacts - vendors_count, country, used)]
    vendors = [seeder.write("Vendor", b) for b in _people(rng, vendors_count, country, used)]
    items = list(realm.records["Item"].values())
    codes = [c for c in realm.records["TaxCode"].values()]
    accounts = {a["Name"]: a for a in realm.records["Account"].values()}
    classes = list(realm.records["Class"].values())
    departments = list(realm.records["Department"].values())

    def lines(detail: str, n: int) -> list[Record]:
        out = []
        for _ in range(n):
            item = rng.choice(items)
            qty = Decimal(rng.randrange(1, 12))
            price = Decimal(str(item.get("UnitPrice", "10")))
            body: Record = {"Qty": qty, "UnitPrice": price, "TaxCodeRef": {"value": rng.choice(codes)["Id"]}}
            if rng.random() < 0.3:
                body["ClassRef"] = {"value": rng.choice(classes)["Id"]}
            if detail == "AccountBasedExpenseLineDetail":
                body = {"AccountRef": {"value": accounts[rng.choice(EXPENSE_ACCOUNTS)]["Id"]},
                        "TaxCodeRef": body["TaxCodeRef"]}  # fmt: skip
                amount = Decimal(rng.randrange(500, 90000)) / 100
            else:
                body["ItemRef"] = {"value": item["Id"]}
                amount = (qty * price).quantize(Decimal("0.01"))
            out.append({"Amount": amount, "DetailType": detail, "Description": item["Name"], detail: body})
        return out

    def mode() -> str:
        roll = rng.random()
        return "TaxExcluded" if roll < 0.7 else "TaxInclusive" if roll < 0.95 else "NotApplicable"

    if customers:
        for _ in range(counts.get("invoices", 0)):
            day = seeder.day()
            customer = rng.choice(customers)
            body = {"CustomerRef": {"value": customer["Id"]}, "TxnDate": day.isoformat(),
                    "GlobalTaxCalculation": mode(), "Line": lines("SalesItemLineDetail", rng.randrange(1, 5)),
                    "SalesTermRef": {"value": str(rng.randrange(1, 5))}}  # fmt: skip
            if rng.random() < 0.3:
                body["DepartmentRef"] = {"value": rng.choice(departments)["Id"]}
            if rng.random() < 0.2:
                body["PrivateNote"] = "Thanks for your business — ref " + _token(rng, 6)
            when = _moment(realm, day, rng)
            invoice = seeder.write("Invoice", body, when)
            if rng.random() < 0.45:
                paid = (
                    invoice["TotalAmt"] if rng.random() < 0.75 else (invoice["TotalAmt"] / 2).quantize(Decimal("0.01"))
                )
                seeder.write(
                    "Payment",
                    {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": paid,
                     "TxnDate": min(day + timedelta(days=rng.randrange(1, 40)), END).isoformat(),
                     "DepositToAccountRef": {"value": accounts["Undeposited Funds"]["Id"]},
                     "Line": [{"Amount": paid, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]},
                    when + timedelta(days=2),
                )  # fmt: skip
                _settle_invoice(realm, invoice["Id"])
    if vendors:
        for _ in range(counts.get("bills", 0)):
            day = seeder.day()
            detail = rng.choice(("ItemBasedExpenseLineDetail", "AccountBasedExpenseLineDetail"))
            body = {"VendorRef": {"value": rng.choice(vendors)["Id"]}, "TxnDate": day.isoformat(),
                    "GlobalTaxCalculation": mode(), "Line": lines(detail, rng.randrange(1, 4))}  # fmt: skip
            if rng.random() < 0.5:
                body["DocNumber"] = "B-" + _token(rng, 6, string.digits)
            seeder.write("Bill", body, _moment(realm, day, rng))
    for _ in range(counts.get("expenses", 0)):
        day = seeder.day()
        kind = rng.choice(("Cash", "Check", "CreditCard"))
        paying = accounts["Visa" if kind == "CreditCard" else "Chequing"]
        body = {"PaymentType": kind, "AccountRef": {"value": paying["Id"]}, "TxnDate": day.isoformat(),
                "GlobalTaxCalculation": mode(),
                "Line": lines("AccountBasedExpenseLineDetail", rng.randrange(1, 3))}  # fmt: skip
        if vendors and rng.random() < 0.8:
            body["EntityRef"] = {"value": rng.choice(vendors)["Id"], "type": "Vendor"}
        seeder.write("Purchase", body, _moment(realm, day, rng))
    settle_balances(realm)
    return realm


def _settle_invoice(realm: Realm, ident: str) -> None:
    """A seeded payment's invoice: its Balance and LinkedTxn, without a new SyncToken (seeded as found)."""
    invoice = realm.records["Invoice"][ident]
    paid = Decimal(0)
    links = []
    for payment in realm.records["Payment"].values():
        for line in payment.get("Line", []):
            if any(k["TxnId"] == ident for k in line.get("LinkedTxn", [])):
                paid += line["Amount"]
                links.append({"TxnId": payment["Id"], "TxnType": "Payment"})
    invoice["Balance"] = invoice["TotalAmt"] - paid
    invoice["HomeBalance"] = invoice["Balance"]
    invoice["LinkedTxn"] = links
    invoice["SyncToken"] = "0"
