"""Accounting backends: one package per provider, each registered in the ``unified.connectors`` entry-point group."""
