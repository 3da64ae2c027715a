"""QuickBooks Online: the connector (to come) and its local emulator (``connectors.quickbooks.emulator``)."""
