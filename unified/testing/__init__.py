"""Tools for connector authors: the conformance kit and hypothesis strategies for the unified models.

``from unified.testing import ConnectorConformance`` and ``from unified.testing import strategies``. Both need the
``test`` extra (pytest, hypothesis).
"""

from unified.testing.conformance import Api, ConnectorConformance, assert_subset

__all__ = ["Api", "ConnectorConformance", "assert_subset"]
