"""Acme Ledger: the smallest complete connector, and its emulator, built on the toolkit and the emulator kit.

It is the worked example of docs/connectors.md and runs the conformance kit in tests/contract/test_acme_conformance.py.
"""
