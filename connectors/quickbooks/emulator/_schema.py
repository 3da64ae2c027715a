"""The top-level properties of every QuickBooks entity, read from Intuit's XSD schemas (Finance.xsd and the
files beside it in shared/reference/quickbooks; elements of each entity's type and its base types).

Used to answer a query on an unknown property with the fault QuickBooks sends, and to know which entity
names the query language accepts. Generated once from the XSDs; regenerate if they change.
"""

from __future__ import annotations

_PROPERTIES: dict[str, str] = {
    "Account": (
        "AccountAlias AccountEx AccountPurposes AccountSubType AccountType AcctNum AcctNumExtn "
        "Active AttachableRef BankNum Classification CurrencyRef CurrentBalance "
        "CurrentBalanceWithSubAccounts CustomField Description FIName FullyQualifiedName Id "
        "JournalCodeRef MetaData Name OnlineBankingEnabled OpeningBalance OpeningBalanceDate "
        "ParentRef SubAccount SyncToken TaxAccount TaxCodeRef TxnLocationType"
    ),
    "Attachable": (
        "AttachableEx AttachableRef Category ContentType CustomField FileAccessUri FileName Id Lat "
        "Long MetaData Note PlaceName Size SyncToken Tag TempDownloadUri ThumbnailFileAccessUri "
        "ThumbnailTempDownloadUri"
    ),
    "Bill": (
        "APAccountRef AttachableRef Balance BillEmail BillEx CurrencyRef CustomField DepartmentRef "
        "DocNumber DueDate ExchangeRate GlobalTaxCalculation HomeBalance HomeTotalCostAmount Id "
        "IncludeInAnnualTPAR LessCIS Line LinkedTxn Memo MetaData PayerRef PrivateNote ProjectRef "
        "RecurDataRef RecurringInfo RemitToAddr ReplyEmail SalesTermRef ShipAddr SyncToken Tag "
        "TaxFormNum TaxFormType TotalAmt TotalCostAmount TransactionLocationType TxnApprovalInfo "
        "TxnDate TxnSource TxnStatus TxnTaxDetail VendorAddr VendorRef"
    ),
    "BillPayment": (
        "APAccountRef AttachableRef BillPaymentEx CheckPayment CreditCardPayment CurrencyRef "
        "CustomField DepartmentRef DocNumber ExchangeRate HomeTotalCostAmount Id Line LinkedTxn "
        "MetaData PayType PrivateNote ProjectRef RecurDataRef RecurringInfo SyncToken Tag "
        "TaxFormNum TaxFormType TotalAmt TotalCostAmount TransactionLocationType TxnApprovalInfo "
        "TxnDate TxnSource TxnStatus TxnTaxDetail VendorAddr VendorRef"
    ),
    "Budget": (
        "Active AttachableRef BudgetDetail BudgetEntryType BudgetType CustomField EndDate Id "
        "MetaData Name StartDate SyncToken"
    ),
    "ChargeCredit": (
        "ARAccountRef AttachableRef BilledDate ChargeCreditEx ClassRef Credit CurrencyRef "
        "CustomField CustomerRef DepartmentRef DocNumber DueDate ExchangeRate HomeTotalCostAmount "
        "Id Line LinkedTxn MetaData PrivateNote ProjectRef RecurDataRef RecurringInfo RemitToRef "
        "SyncToken Tag TaxFormNum TaxFormType TotalAmt TotalCostAmount TransactionLocationType "
        "TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail"
    ),
    "Class": (
        "Active AttachableRef ClassEx CustomField FullyQualifiedName Id MetaData Name ParentRef SubClass SyncToken"
    ),
    "CompanyCurrency": "Active AttachableRef Code CompanyCurrencyEx CustomField Id MetaData Name SyncToken",
    "CompanyInfo": (
        "AttachableRef CompanyAddr CompanyEmailAddr CompanyFileName CompanyInfoEx CompanyName "
        "CompanyStartDate CompanyURL CompanyUserAdminEmail CompanyUserId Country CustomField "
        "CustomerCommunicationAddr CustomerCommunicationEmailAddr DefaultTimeZone Email EmployerId "
        "Fax FifoCalculationStatus FiscalYearStartMonth FlavorStratum Id LastImportedTime "
        "LastSyncTime LegalAddr LegalName MetaData Mobile MultiByteCharsSupported NameValue "
        "OtherAddr OtherContactInfo PrimaryPhone QBVersion SampleFile ShipAddr SupportedLanguages "
        "SyncToken TaxYearStartMonth WebAddr"
    ),
    "CreditCardPaymentTxn": (
        "Amount AttachableRef BankAccountRef CheckNum CreditCardAccountRef CreditCardPaymentEx "
        "CurrencyRef CustomField DepartmentRef DocNumber ExchangeRate HomeTotalCostAmount Id Line "
        "LinkedTxn Memo MetaData PrintStatus PrivateNote ProjectRef RecurDataRef RecurringInfo "
        "SyncToken Tag TaxFormNum TaxFormType TotalCostAmount TransactionLocationType "
        "TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail VendorRef"
    ),
    "CreditMemo": (
        "ARAccountRef ApplyTaxAfterDiscount AttachableRef AutoDocNumber Balance BillAddr BillEmail "
        "BillEmailBcc BillEmailCc CheckPayment ClassRef CreditCardPayment CreditMemoEx CurrencyRef "
        "CustomField CustomerMemo CustomerRef DeliveryInfo DepartmentRef DepositToAccountRef "
        "DiscountAmt DiscountRate DocNumber DueDate EmailStatus ExchangeRate FOB FinanceCharge "
        "FreeFormAddress GlobalTaxCalculation GovtTxnRefIdentifier HomeBalance HomeTotalAmt "
        "HomeTotalCostAmount Id InvoiceRef Line LinkedTxn MetaData PONumber PaymentMethodRef "
        "PaymentRefNum PaymentType PrintStatus PrivateNote ProjectRef RecurDataRef RecurringInfo "
        "RemainingCredit RemitToRef SalesRepRef SalesTermRef ShipAddr ShipDate ShipFromAddr "
        "ShipMethodRef ShippingTaxIncludedInTotalTax SyncToken Tag TaxExemptionRef TaxFormNum "
        "TaxFormType TemplateRef TotalAmt TotalCostAmount TrackingNum TransactionLocationType "
        "TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail"
    ),
    "Customer": (
        "ARAccountRef AcctNum Active AltContactName AlternatePhone AttachableRef Balance "
        "BalanceWithJobs BillAddr BillWithParent BusinessNumber CCDetail ClientCompanyId "
        "ClientEntityId CompanyName ContactName CreditLimit CurrencyRef CustomField CustomerEx "
        "CustomerTypeRef DefaultTaxCodeRef DisplayName FamilyName Fax FullyQualifiedName GSTIN "
        "GSTRegistrationType GivenName Id IntuitId IsCISContractor IsProject Job JobInfo Level "
        "MetaData MiddleName Mobile Notes OpenBalanceDate Organization OtherAddr OtherContactInfo "
        "OverDueBalance ParentRef PaymentMethodRef PreferredDeliveryMethod PriceLevelRef "
        "PrimaryEmailAddr PrimaryPhone PrimaryTaxIdentifier PrintOnCheckName ResaleNum "
        "RootCustomerRef SalesRepRef SalesTermRef SecondaryTaxIdentifier ShipAddr Source Suffix "
        "SyncToken TDSEnabled TaxExemptionReasonId TaxGroupCodeRef TaxRateRef TaxRegime Taxable "
        "Title TotalExpense TotalRevenue UserId V4IDPseudonym WebAddr"
    ),
    "CustomerType": "Active AttachableRef CustomField FullyQualifiedName Id MetaData Name ParentRef SyncToken",
    "Department": (
        "Active Address AttachableRef CustomField DepartmentEx FullyQualifiedName Id MetaData Name "
        "ParentRef SubDepartment SyncToken"
    ),
    "Deposit": (
        "AttachableRef CashBack CurrencyRef CustomField DepartmentRef DepositEx DepositToAccountRef "
        "DocNumber ExchangeRate GlobalTaxCalculation HomeTotalAmt HomeTotalCostAmount Id Line "
        "LinkedTxn MetaData PrivateNote ProjectRef RecurDataRef RecurringInfo SyncToken Tag "
        "TaxFormNum TaxFormType TotalAmt TotalCostAmount TransactionLocationType TxnApprovalInfo "
        "TxnDate TxnSource TxnStatus TxnTaxDetail"
    ),
    "EmailDeliveryInfo": (
        "AllowOnlineACHPayment AllowOnlineCreditCardPayment AllowOnlinePayment AttachableRef "
        "CustomField DeliveryAddress DeliveryAddressBcc DeliveryAddressCc DeliveryInfo "
        "ETransactionStatus EmailMessage Id MetaData SyncToken"
    ),
    "Employee": (
        "Active AlternatePhone AttachableRef BillRate BillableTime BirthDate CompanyName CostRate "
        "CustomField DefaultTaxCodeRef DisplayName EmployeeEx EmployeeNumber EmployeeType "
        "FamilyName Fax FullyQualifiedName Gender GivenName HiredDate Id IntuitId MetaData "
        "MiddleName Mobile Notes Organization OtherAddr OtherContactInfo PrimaryAddr "
        "PrimaryEmailAddr PrimaryPhone PrintOnCheckName ReleasedDate SSN Suffix SyncToken Title "
        "UseTimeEntry UserId V4IDPseudonym WebAddr"
    ),
    "Estimate": (
        "ARAccountRef AcceptedBy AcceptedDate ApplyTaxAfterDiscount AttachableRef AutoDocNumber "
        "Balance BillAddr BillEmail BillEmailBcc BillEmailCc CheckPayment ClassRef "
        "CreditCardPayment CurrencyRef CustomField CustomerMemo CustomerRef DeliveryInfo "
        "DepartmentRef DepositToAccountRef DiscountAmt DiscountRate DocNumber DueDate EmailStatus "
        "EstimateEx ExchangeRate ExpirationDate FOB FinanceCharge FreeFormAddress "
        "GlobalTaxCalculation GovtTxnRefIdentifier HomeBalance HomeTotalAmt HomeTotalCostAmount Id "
        "Line LinkedTxn MetaData PONumber PaymentMethodRef PaymentRefNum PaymentType PrintStatus "
        "PrivateNote ProjectRef RecurDataRef RecurringInfo RemitToRef SalesRepRef SalesTermRef "
        "ShipAddr ShipDate ShipFromAddr ShipMethodRef ShippingTaxIncludedInTotalTax SyncToken Tag "
        "TaxExemptionRef TaxFormNum TaxFormType TemplateRef TotalAmt TotalCostAmount TrackingNum "
        "TransactionLocationType TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail"
    ),
    "ExchangeRate": (
        "AsOfDate AttachableRef CustomField ExchangeRateEx Id MetaData Rate SourceCurrencyCode "
        "SyncToken TargetCurrencyCode"
    ),
    "FixedAsset": (
        "AcquiredAs Active AssetAccountRef AssetNum AttachableRef BookValue CostBasis CustomField "
        "Depreciation Description FixedAssetEx Id Location MetaData Name Notes PONumber "
        "PurchaseCost PurchaseDate PurchaseDesc SalesDate SalesDesc SalesExpense SalesPrice "
        "SerialNumber SyncToken Vendor WarrantyExpDate"
    ),
    "InventoryAdjustment": (
        "AdjustAccountRef AttachableRef CurrencyRef CustomField CustomerRef DepartmentRef DocNumber "
        "ExchangeRate HomeTotalCostAmount Id Line LinkedTxn MetaData PrivateNote ProjectRef "
        "RecurDataRef RecurringInfo ShippingAdjustment SyncToken Tag TaxFormNum TaxFormType "
        "TotalCostAmount TransactionLocationType TxnApprovalInfo TxnDate TxnSource TxnStatus "
        "TxnTaxDetail"
    ),
    "InventorySite": (
        "Active Addr AttachableRef Contact ContactInfo CustomField DefaultSite Description Id "
        "InventorySiteEx MetaData Name SyncToken"
    ),
    "Invoice": (
        "ARAccountRef AllowIPNPayment AllowOnlineACHPayment AllowOnlineCreditCardPayment "
        "AllowOnlinePayPalPayment AllowOnlinePayment ApplyTaxAfterDiscount AttachableRef "
        "AutoDocNumber AutoPayEligible Balance BillAddr BillEmail BillEmailBcc BillEmailCc CfdiUse "
        "CheckPayment ClassRef ConvenienceFeeDetail CreditCardPayment CurrencyRef CustomField "
        "CustomerMemo CustomerRef DeliveryInfo DepartmentRef Deposit DepositToAccountRef "
        "DiscountAmt DiscountRate DocNumber DueDate ECloudStatusTimeStamp EInvoiceStatus "
        "EmailStatus ExchangeRate Exportation FOB FinanceCharge FinancingProductType "
        "FreeFormAddress GlobalInfo GlobalTaxCalculation GovtTxnRefIdentifier GratuityEnabled "
        "HomeBalance HomeTotalAmt HomeTotalCostAmount Id InvoiceEx InvoiceLink "
        "InvoiceLinkExpiryDate InvoiceLinkSecurityCode LessCIS Line LinkedTxn MetaData PONumber "
        "PaymentDetailsMessage PaymentMethodRef PaymentRefNum PaymentType PrintStatus PrivateNote "
        "ProjectRef RecurDataRef RecurringInfo RemitToRef SalesRepRef SalesTermRef "
        "SchedulePayEligible ScheduledPaymentId ShipAddr ShipDate ShipFromAddr ShipMethodRef "
        "ShippingTaxIncludedInTotalTax SubscriptionPaymentsSetting SyncToken Tag TaxExemptionRef "
        "TaxFormNum TaxFormType TemplateRef TotalAmt TotalCostAmount TrackingNum "
        "TransactionLocationType TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail "
        "callToAction invoiceStatus invoiceStatusLog"
    ),
    "Item": (
        "AbatementRate Active AssetAccountRef AttachableRef AvgCost BuildPoint COGSAccountRef "
        "ClassRef CustomField DeferredRevenue DepositToAccountRef Description ExpenseAccountRef "
        "FullyQualifiedName Id IncomeAccountRef InvStartDate ItemAssemblyDetail ItemCategoryType "
        "ItemEx ItemGroupDetail Level ManPartNum MetaData Name ParentRef PaymentMethodRef "
        "PercentBased PrefVendorRef PrintGroupedItems PurchaseCost PurchaseDesc PurchaseTaxCodeRef "
        "PurchaseTaxIncluded QtyOnHand QtyOnPurchaseOrder QtyOnSalesOrder RatePercent ReorderPoint "
        "ReverseChargeRate SalesTaxCodeRef SalesTaxIncluded ServiceType Sku Source SpecialItem "
        "SpecialItemType SubItem SyncToken TaxClassificationRef Taxable TrackQtyOnHand Type "
        "UOMSetRef UQCDisplayText UQCId UnitPrice"
    ),
    "JournalCode": "Active AttachableRef CustomField Description Id JournalCodeEx MetaData Name SyncToken Type",
    "JournalEntry": (
        "Adjustment AttachableRef CurrencyRef CustomField DepartmentRef DocNumber "
        "EnteredInHomeCurrency ExchangeRate GlobalTaxCalculation HomeCurrencyAdjustment "
        "HomeTotalAmt HomeTotalCostAmount Id JournalEntryEx Line LinkedTxn MetaData PrivateNote "
        "ProjectRef RecurDataRef RecurringInfo SyncToken Tag TaxFormNum TaxFormType TotalAmt "
        "TotalCostAmount TransactionLocationType TxnApprovalInfo TxnDate TxnSource TxnStatus "
        "TxnTaxDetail"
    ),
    "OtherName": (
        "AcctNum Active AlternatePhone AttachableRef CompanyName CustomField DefaultTaxCodeRef "
        "DisplayName FamilyName Fax FullyQualifiedName GivenName Id IntuitId MetaData MiddleName "
        "Mobile Organization OtherAddr OtherContactInfo OtherNameEx PrimaryAddr PrimaryEmailAddr "
        "PrimaryPhone PrintOnCheckName Suffix SyncToken Title UserId V4IDPseudonym WebAddr"
    ),
    "Payment": (
        "ARAccountRef AttachableRef CheckPayment CreditCardPayment CurrencyRef CustomField "
        "CustomerRef DepartmentRef DepositToAccountRef DocNumber ExchangeRate HomeTotalCostAmount "
        "Id Line LinkedTxn MetaData PaymentEx PaymentMethodRef PaymentRefNum PaymentType "
        "PrivateNote ProcessPayment ProjectRef RecurDataRef RecurringInfo RemitToRef SyncToken Tag "
        "TaxFormNum TaxFormType TotalAmt TotalCostAmount TransactionLocationType TxnApprovalInfo "
        "TxnDate TxnSource TxnStatus TxnTaxDetail UnappliedAmt"
    ),
    "PaymentMethod": "Active AttachableRef CustomField Id MetaData Name PaymentMethodEx SyncToken Type",
    "Preferences": (
        "AccountingInfoPrefs AdvancedInventoryPrefs AttachableRef CurrencyPrefs CustomField "
        "EmailMessagesPrefs FinanceChargesPrefs Id MetaData OtherPrefs PrintDocumentPrefs "
        "ProductAndServicesPrefs ReportPrefs SalesFormsPrefs SyncToken TaxPrefs TimeTrackingPrefs "
        "VendorAndPurchasesPrefs"
    ),
    "PriceLevel": (
        "Active AttachableRef CurrencyRef CustomField FixedPercentage Id MetaData Name PriceLevelEx "
        "PriceLevelPerItem PriceLevelType SyncToken"
    ),
    "Purchase": (
        "AccountRef AttachableRef CheckPayment Credit CreditCardPayment CurrencyRef CustomField "
        "DepartmentRef DocNumber EntityRef ExchangeRate GlobalTaxCalculation HomeTotalCostAmount Id "
        "IncludeInAnnualTPAR LessCIS Line LinkedTxn Memo MetaData PaymentMethodRef PaymentRefNum "
        "PaymentType PrintStatus PrivateNote ProjectRef PurchaseEx RecurDataRef RecurringInfo "
        "RemitToAddr SyncToken Tag TaxFormNum TaxFormType TotalAmt TotalCostAmount "
        "TransactionLocationType TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail"
    ),
    "PurchaseOrder": (
        "APAccountRef AttachableRef BillEmail ClassRef CurrencyRef CustomField DepartmentRef "
        "DocNumber DropShipToEntity DueDate EmailStatus ExchangeRate ExpectedDate FOB "
        "GlobalTaxCalculation HomeTotalCostAmount Id InventorySiteRef Line LinkedTxn ManuallyClosed "
        "Memo MetaData POEmail POStatus PrintStatus PrivateNote ProjectRef PurchaseOrderEx "
        "RecurDataRef RecurringInfo ReimbursableInfoRef ReplyEmail SalesTermRef ShipAddr "
        "ShipMethodRef ShipTo SyncToken Tag TaxCodeRef TaxFormNum TaxFormType TemplateRef TotalAmt "
        "TotalCostAmount TransactionLocationType TxnApprovalInfo TxnDate TxnSource TxnStatus "
        "TxnTaxDetail VendorAddr VendorRef"
    ),
    "RecurringTransaction": "AttachableRef CustomField Id MetaData SyncToken",
    "RefundReceipt": (
        "ARAccountRef ApplyTaxAfterDiscount AttachableRef AutoDocNumber Balance BillAddr BillEmail "
        "BillEmailBcc BillEmailCc CheckPayment ClassRef CreditCardPayment CurrencyRef CustomField "
        "CustomerMemo CustomerRef DeliveryInfo DepartmentRef DepositToAccountRef DiscountAmt "
        "DiscountRate DocNumber DueDate EmailStatus ExchangeRate FOB FinanceCharge FreeFormAddress "
        "GlobalTaxCalculation GovtTxnRefIdentifier HomeBalance HomeTotalAmt HomeTotalCostAmount Id "
        "Line LinkedTxn MetaData PONumber PaymentMethodRef PaymentRefNum PaymentType PrintStatus "
        "PrivateNote ProjectRef RecurDataRef RecurringInfo RefundReceiptEx RemainingCredit "
        "RemitToRef SalesRepRef SalesTermRef ShipAddr ShipDate ShipFromAddr ShipMethodRef "
        "ShippingTaxIncludedInTotalTax SyncToken Tag TaxExemptionRef TaxFormNum TaxFormType "
        "TemplateRef TotalAmt TotalCostAmount TrackingNum TransactionLocationType TxnApprovalInfo "
        "TxnDate TxnSource TxnStatus TxnTaxDetail"
    ),
    "ReimburseCharge": (
        "Amount AttachableRef CurrencyRef CustomField CustomerRef DepartmentRef DocNumber "
        "ExchangeRate HasBeenInvoiced HomeTotalAmt HomeTotalCostAmount Id Line LinkedTxn MetaData "
        "PrivateNote ProjectRef RecurDataRef RecurringInfo SyncToken Tag TaxFormNum TaxFormType "
        "TotalCostAmount TransactionLocationType TxnApprovalInfo TxnDate TxnSource TxnStatus "
        "TxnTaxDetail"
    ),
    "SalesOrder": (
        "ARAccountRef ApplyTaxAfterDiscount AttachableRef AutoDocNumber Balance BillAddr BillEmail "
        "BillEmailBcc BillEmailCc CheckPayment ClassRef CreditCardPayment CurrencyRef CustomField "
        "CustomerMemo CustomerRef DeliveryInfo DepartmentRef DepositToAccountRef DiscountAmt "
        "DiscountRate DocNumber DueDate EmailStatus ExchangeRate FOB FinanceCharge FreeFormAddress "
        "GlobalTaxCalculation GovtTxnRefIdentifier HomeBalance HomeTotalAmt HomeTotalCostAmount Id "
        "Line LinkedTxn ManuallyClosed MetaData PONumber PaymentMethodRef PaymentRefNum PaymentType "
        "PrintStatus PrivateNote ProjectRef RecurDataRef RecurringInfo RemitToRef SalesOrderEx "
        "SalesRepRef SalesTermRef ShipAddr ShipDate ShipFromAddr ShipMethodRef "
        "ShippingTaxIncludedInTotalTax SyncToken Tag TaxExemptionRef TaxFormNum TaxFormType "
        "TemplateRef TotalAmt TotalCostAmount TrackingNum TransactionLocationType TxnApprovalInfo "
        "TxnDate TxnSource TxnStatus TxnTaxDetail"
    ),
    "SalesReceipt": (
        "ARAccountRef ApplyTaxAfterDiscount AttachableRef AutoDocNumber Balance BillAddr BillEmail "
        "BillEmailBcc BillEmailCc CheckPayment ClassRef CreditCardPayment CurrencyRef CustomField "
        "CustomerMemo CustomerRef DeliveryInfo DepartmentRef DepositToAccountRef DiscountAmt "
        "DiscountRate DocNumber DueDate EmailStatus ExchangeRate FOB FinanceCharge FreeFormAddress "
        "GlobalTaxCalculation GovtTxnRefIdentifier HomeBalance HomeTotalAmt HomeTotalCostAmount Id "
        "LessCIS Line LinkedTxn MetaData PONumber PaymentMethodRef PaymentRefNum PaymentType "
        "PrintStatus PrivateNote ProjectRef RecurDataRef RecurringInfo RemitToRef SalesReceiptEx "
        "SalesRepRef SalesTermRef ShipAddr ShipDate ShipFromAddr ShipMethodRef "
        "ShippingTaxIncludedInTotalTax SyncToken Tag TaxExemptionRef TaxFormNum TaxFormType "
        "TemplateRef TotalAmt TotalCostAmount TrackingNum TransactionLocationType TxnApprovalInfo "
        "TxnDate TxnSource TxnStatus TxnTaxDetail"
    ),
    "SalesRep": (
        "Active AttachableRef CustomField EmployeeRef Id Initials MetaData NameOf OtherNameRef "
        "SalesRepEx SyncToken VendorRef"
    ),
    "StatementCharge": (
        "ARAccountRef AttachableRef BilledDate ClassRef Credit CurrencyRef CustomField CustomerRef "
        "DepartmentRef DocNumber DueDate ExchangeRate HomeTotalCostAmount Id Line LinkedTxn "
        "MetaData PrivateNote ProjectRef RecurDataRef RecurringInfo RemitToRef StatementChargeEx "
        "SyncToken Tag TaxFormNum TaxFormType TotalAmt TotalCostAmount TransactionLocationType "
        "TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail"
    ),
    "Tag": "AttachableRef CustomField Id MetaData Name SyncToken",
    "Task": "Active AttachableRef CustomField Done From Id MetaData Notes ReminderDate SyncToken TaskEx",
    "TaxAgency": (
        "APAccountRef AcctNum Active AltContactName AlternatePhone AttachableRef Balance BillAddr "
        "BillRate BusinessNumber CISRate CompanyName ContactName CostRate CreditLimit CurrencyRef "
        "CustomField DefaultTaxCodeRef DisplayName FamilyName Fax FullyQualifiedName GSTIN "
        "GSTRegistrationType GivenName HasTPAR Id IntuitId IsSubContractor LastFileDate MetaData "
        "MiddleName Mobile Notes OpenBalanceDate Organization OtherAddr OtherContactInfo ParentRef "
        "PrefillAccountRef PrimaryEmailAddr PrimaryPhone PrintOnCheckName ReportingPeriod "
        "SalesTaxCodeRef SalesTaxCountry SalesTaxReturnRef ShipAddr Source SubcontractorType Suffix "
        "SyncToken T4AEligible T5018Eligible TDSEnabled TDSEntityTypeId TDSOverrideThreshold "
        "TDSSectionTypeId TaxAgencyConfig TaxAgencyExt TaxCountry TaxIdEffectiveDate TaxIdentifier "
        "TaxOnPurchasesAccountRef TaxOnTax TaxRegistrationNumber TaxReportingBasis "
        "TaxTrackedOnPurchases TaxTrackedOnSales TaxTrackedOnSalesAccountRef TermRef Title UserId "
        "V4IDPseudonym Vendor1099 VendorEx VendorPaymentBankDetail VendorTypeRef WebAddr"
    ),
    "TaxClassification": (
        "ApplicableTo AttachableRef Code CustomField Description Id Level MetaData Name ParentRef SyncToken"
    ),
    "TaxCode": (
        "Active AdjustmentTaxRateList AttachableRef CustomField Description Hidden Id MetaData Name "
        "PurchaseTaxRateList SalesTaxRateList SyncToken TaxCodeConfigType TaxCodeEx TaxGroup "
        "Taxable"
    ),
    "TaxPayment": (
        "AttachableRef CustomField Description Id MetaData PaymentAccountRef PaymentAmount PaymentDate Refund SyncToken"
    ),
    "TaxRate": (
        "Active AgencyRef AttachableRef CustomField Description DisplayType EffectiveTaxRate Id "
        "MetaData Name OriginalTaxRate RateValue SpecialTaxType SyncToken TaxRateEx "
        "TaxReturnLineRef"
    ),
    "TaxReturn": (
        "AgencyPaymentAmount AgencyPaymentDate AgencyPaymentMethod AgencyRef AttachableRef "
        "CustomField EFileErrorFixByDate EndDate FileDate FlatRateSavingsAmountDue Id MetaData "
        "NetTaxAmountDue PayGWithheldAmount StartDate SyncToken TaxReturnCode "
        "TaxReturnEFilingFailureReason TaxReturnStatus UpcomingFiling"
    ),
    "TaxService": "AttachableRef CustomField Fault Id MetaData SyncToken TaxCode TaxCodeId TaxRateDetails",
    "Term": (
        "Active AttachableRef CustomField DayOfMonthDue DiscountDayOfMonth DiscountDays "
        "DiscountPercent DueDays DueNextMonthDays Id MetaData Name SalesTermEx SyncToken Type"
    ),
    "TimeActivity": (
        "AttachableRef BillableStatus BreakHours BreakMinutes BreakSeconds ClassRef CostRate "
        "CustomField CustomerRef DepartmentRef Description EmployeeRef EndTime HourlyRate Hours "
        "HoursInEmployeeTimeZone Id ItemRef MetaData Minutes NameOf OtherNameRef PayrollItemRef "
        "ProjectRef Seconds StartTime SyncToken Taxable TimeActivityEx TimeChargeId TimeZone "
        "TxnDate VendorRef"
    ),
    "Transfer": (
        "Amount AttachableRef ClassRef CurrencyRef CustomField DepartmentRef DocNumber ExchangeRate "
        "FromAccountRef HomeTotalCostAmount Id Line LinkedTxn MetaData PrivateNote ProjectRef "
        "RecurDataRef RecurringInfo SyncToken Tag TaxFormNum TaxFormType ToAccountRef "
        "TotalCostAmount TransactionLocationType TransferEx TxnApprovalInfo TxnDate TxnSource "
        "TxnStatus TxnTaxDetail"
    ),
    "UserAlert": (
        "Active AttachableRef CustomField Done DueDate ExpireDate Filter Id MetaData NameValue "
        "Notes ReminderDate SyncToken Type URL UserAlertEx"
    ),
    "Vendor": (
        "APAccountRef AcctNum Active AltContactName AlternatePhone AttachableRef Balance BillAddr "
        "BillRate BusinessNumber CISRate CompanyName ContactName CostRate CreditLimit CurrencyRef "
        "CustomField DefaultTaxCodeRef DisplayName FamilyName Fax FullyQualifiedName GSTIN "
        "GSTRegistrationType GivenName HasTPAR Id IntuitId IsSubContractor MetaData MiddleName "
        "Mobile Notes OpenBalanceDate Organization OtherAddr OtherContactInfo ParentRef "
        "PrefillAccountRef PrimaryEmailAddr PrimaryPhone PrintOnCheckName ShipAddr Source "
        "SubcontractorType Suffix SyncToken T4AEligible T5018Eligible TDSEnabled TDSEntityTypeId "
        "TDSOverrideThreshold TDSSectionTypeId TaxCountry TaxIdEffectiveDate TaxIdentifier "
        "TaxReportingBasis TermRef Title UserId V4IDPseudonym Vendor1099 VendorEx "
        "VendorPaymentBankDetail VendorTypeRef WebAddr"
    ),
    "VendorCredit": (
        "APAccountRef AttachableRef Balance BillEmail CurrencyRef CustomField DepartmentRef "
        "DocNumber ExchangeRate GlobalTaxCalculation HomeTotalCostAmount Id IncludeInAnnualTPAR "
        "Line LinkedTxn Memo MetaData PrivateNote ProjectRef RecurDataRef RecurringInfo ReplyEmail "
        "SyncToken Tag TaxFormNum TaxFormType TotalAmt TotalCostAmount TransactionLocationType "
        "TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail VendorAddr VendorCreditEx "
        "VendorRef"
    ),
    "VendorType": "Active AttachableRef CustomField FullyQualifiedName Id MetaData Name ParentRef SyncToken",
}

# Attributes every entity carries in JSON besides its elements.
_ATTRIBUTES = frozenset({"domain", "sparse", "status"})

PROPERTIES: dict[str, frozenset[str]] = {
    name: frozenset(names.split()) | _ATTRIBUTES for name, names in _PROPERTIES.items()
}
"""Entity name (as Intuit spells it) -> its top-level JSON property names."""

ENTITY_NAMES: dict[str, str] = {name.lower(): name for name in PROPERTIES}
"""Lower-case entity name -> Intuit's spelling (the query language ignores case)."""
