"""Shared test configuration."""

from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]

# CI machines are small and shared: no per-example deadline, and a bounded default effort.
settings.register_profile(
    "ci", deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("ci")
