"""A local QuickBooks Online (work in progress)."""
