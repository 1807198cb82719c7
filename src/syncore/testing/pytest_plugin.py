"""The pytest plugin behind the one-command certification (loaded through the ``pytest11`` entry point).

It only adds the command line options; :mod:`syncore.testing.certify` holds the tests they drive::

    pytest --pyargs syncore.testing.certify --adapter-factory mypkg.testing:make_adapter
    pytest --pyargs syncore.testing.certify --backend-factory mypkg.testing:MyBackend --backend-side pim

With plugin autoloading off (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), add ``-p syncore.testing.pytest_plugin``.
"""

from __future__ import annotations

from typing import Any


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("syncore", "syncore adapter certification (syncore.testing.certify)")
    group.addoption("--adapter-factory", metavar="MODULE:CALLABLE", default=None,
                    help="called with the contract's clock, returns a fresh, empty Adapter or a "
                         "syncore.testing.certify.Candidate; runs the AdapterContract on it")
    group.addoption("--backend-factory", metavar="MODULE:CALLABLE", default=None,
                    help="called with the contract's fixed 'now', returns a started "
                         "syncore.testing.backend.Backend; runs the EngineContract with it on one side and "
                         "a memory side on the other")
    group.addoption("--backend-side", choices=("pim", "crm"), default="pim",
                    help="the side the --backend-factory backend plays (default: pim)")
