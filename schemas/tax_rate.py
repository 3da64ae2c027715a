"""TaxRate: a tax (or a group of taxes) that lines and contacts refer to."""

from enum import StrEnum
from typing import Any

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from schemas._base import READ_ONLY, Id, OpenEnum, Rate, Timestamp, UnifiedModel
from schemas.common import CustomField, PassThrough

__all__ = ["TaxRate", "TaxRateComponent", "TaxRateStatus", "TaxRateSubsidiary"]


class TaxRateStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ARCHIVED = "archived"


class TaxRateComponent(UnifiedModel):
    """One tax of a compound or grouped tax rate."""

    id: Id | None = Field(default=None, description="ID of the component tax.")
    name: str | None = Field(default=None, min_length=1, description="Name of the component tax.")
    rate: Rate | None = Field(default=None, description="Rate of the component, in percent.")
    compound: bool | None = Field(default=None, description="Applied on top of the other components.")


class TaxRateSubsidiary(UnifiedModel):
    """A subsidiary a tax rate belongs to."""

    id: Id | None = Field(default=None, description="The ID of the subsidiary.")


class TaxRate(UnifiedModel):
    """A tax rate: every field of Apideck's TaxRate."""

    id: Id | None = Field(default=None, description="Unique identifier of the tax rate.", json_schema_extra=READ_ONLY)
    display_id: str | None = Field(default=None, description="Display ID of the tax rate.")
    name: str | None = Field(default=None, min_length=1, description="Name of the tax rate.")
    code: str | None = Field(default=None, description="Tax code of the tax rate.")
    description: str | None = Field(default=None, description="Description of the tax rate.")
    effective_tax_rate: Rate | None = Field(default=None, description="Effective rate, in percent.")
    country: str | None = Field(default=None, description="Country code, ISO 3166-1 alpha-2.")
    total_tax_rate: Rate | None = Field(
        default=None, description="Sum of the component rates, not compounded, in percent."
    )
    tax_payable_account_id: Id | None = Field(default=None, description="Account for tax collected.")
    tax_remitted_account_id: Id | None = Field(default=None, description="Account for tax remitted.")
    components: list[TaxRateComponent] | None = Field(default=None, description="Component taxes.")
    type: str | None = Field(default=None, description="Tax type: the source of tax collected or paid.")
    report_tax_type: str | None = Field(default=None, description="Tax type used in tax reports.")
    original_tax_rate_id: Id | None = Field(default=None, description="ID of the rate this one derives from.")
    status: OpenEnum[TaxRateStatus] | None = Field(default=None, description="Tax rate status.")
    custom_mappings: dict[str, Any] | None = Field(
        default=None, description="Values of configured custom mappings.", json_schema_extra=READ_ONLY
    )
    row_version: str | None = Field(default=None, description="Version used to detect conflicting updates.")
    updated_by: str | None = Field(
        default=None, description="The user who last updated the tax rate.", json_schema_extra=READ_ONLY
    )
    created_by: str | None = Field(
        default=None, description="The user who created the tax rate.", json_schema_extra=READ_ONLY
    )
    updated_at: Timestamp | None = Field(
        default=None, description="When the tax rate was last updated.", json_schema_extra=READ_ONLY
    )
    created_at: Timestamp | None = Field(
        default=None, description="When the tax rate was created.", json_schema_extra=READ_ONLY
    )
    pass_through: list[PassThrough] | None = Field(
        default=None, description="Provider-specific data for the write.", json_schema_extra={"writeOnly": True}
    )
    subsidiaries: list[TaxRateSubsidiary] | None = Field(default=None, description="Subsidiaries it belongs to.")
    custom_fields: list[CustomField] | None = Field(default=None, description="Custom field values.")
    raw: SkipJsonSchema[dict[str, Any] | None] = Field(default=None, exclude=True, repr=False)
