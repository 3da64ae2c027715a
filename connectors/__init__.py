"""Accounting backends: one package per provider, each registered in the ``unified.connectors`` entry-point group."""

#: the backend `unified demo` and a bare `unified` command use when nothing says otherwise
DEFAULT_CONNECTOR = "zoho-books"
