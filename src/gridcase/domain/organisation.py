"""Kinds of registered organisation, as the unified social credit code encodes them.

Scope rules turn on this: Bijie serves every enterprise *except* individual businesses
(个体工商户) and farmers' cooperatives (农民专业合作社), and the credit code's first two
characters (registration authority and category, GB 32100-2015 table 1) already say
which of those an organisation is.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["OrganisationType"]


class OrganisationType(StrEnum):
    ENTERPRISE = "enterprise"
    """企业 (工商 9, 类别 1)."""
    INDIVIDUAL_BUSINESS = "individual_business"
    """个体工商户 (工商 9, 类别 2)."""
    FARMERS_COOPERATIVE = "farmers_cooperative"
    """农民专业合作社 (工商 9, 类别 3)."""
    PUBLIC_INSTITUTION = "public_institution"
    """机关、事业单位、群众团体 (机构编制 1)."""
    SOCIAL_ORGANISATION = "social_organisation"
    """社会团体、民办非企业单位、基金会 (民政 5)."""
    OTHER = "other"
