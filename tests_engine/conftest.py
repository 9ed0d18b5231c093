"""Let the engine tests run without Odoo.

The repository root is also the Odoo addon folder: its ``__init__.py`` imports
the addon's models, which only works inside Odoo (as ``odoo.addons.*``). pytest
would collect the root as a Python package and import that ``__init__.py``
before running any test below it. Unless pytest-odoo drives the run
(``--odoo-database``), a small plugin makes pytest collect the root as a plain
directory instead, so ``pytest tests_engine`` never imports Odoo.

pytest-odoo also adds an autouse fixture loading an Odoo registry (it needs a
database); the engine tests override it with a no-op.
"""

from __future__ import annotations

from pathlib import Path

import pytest


class _AddonRootAsDirectory:
    """Collect the addon root as a plain directory (not a package)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_collect_directory(self, path: Path, parent: pytest.Collector):
        if path == parent.config.rootpath:
            return pytest.Dir.from_parent(parent, path=path)
        return None


def pytest_configure(config: pytest.Config) -> None:
    odoo_run = config.getoption("--odoo-database", default=None)
    if not odoo_run and not config.pluginmanager.has_plugin("addon-root-as-directory"):
        config.pluginmanager.register(_AddonRootAsDirectory(), "addon-root-as-directory")


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Override pytest-odoo's registry loading: engine tests need no database."""
    yield
