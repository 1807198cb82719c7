"""The adapter registry: lazy imports, install hints, clobber rules, adapter_name checks."""

from __future__ import annotations

import sys

import pytest

from syncore import ConfigurationError
from syncore import registry as reg
from syncore.testing import MemoryAdapter


@pytest.fixture(autouse=True)
def clean_registry():
    # the registry is process-wide: start each test empty and restore it afterwards (in place, since
    # ``registry`` is a read-only view of that very dict)
    saved = dict(reg._registry)
    reg._registry.clear()
    yield
    reg._registry.clear()
    reg._registry.update(saved)


class OtherMemory(MemoryAdapter):
    adapter_name = "other"


def test_memory_adapter_is_available():
    assert reg.get_adapter_class("memory") is MemoryAdapter
    assert "memory" in reg.available_adapters()


def test_available_adapters_lists_builtin_and_registered():
    reg.register_adapter("other", OtherMemory)
    names = reg.available_adapters()
    assert {"memory", "salesforce", "exchange", "outlook", "other"} <= set(names)
    assert names == sorted(names)


def test_unknown_name_lists_available():
    reg.register_adapter("other", OtherMemory)
    with pytest.raises(ConfigurationError) as info:
        reg.get_adapter_class("lotus_notes")
    message = str(info.value)
    assert "lotus_notes" in message
    for name in ("memory", "salesforce", "exchange", "outlook", "other"):
        assert name in message


def test_registered_class_is_returned():
    reg.register_adapter("other", OtherMemory)
    assert reg.get_adapter_class("other") is OtherMemory
    assert reg.registry["other"] is OtherMemory


def test_registered_lazy_path_is_imported_on_use():
    reg.register_adapter("memory2", "syncore.testing.memory:MemoryAdapter")
    # adapter_name "memory" != "memory2": refused, which proves the path was imported and checked
    with pytest.raises(ConfigurationError):
        reg.get_adapter_class("memory2")
    reg.register_adapter("other", f"{__name__}:OtherMemory")
    assert reg.get_adapter_class("other") is OtherMemory


def test_missing_module_names_it():
    reg.register_adapter("x", "no_such_module:Thing")
    with pytest.raises(ConfigurationError) as info:
        reg.get_adapter_class("x")
    message = str(info.value)
    assert "no_such_module" in message and "'x'" in message


def test_missing_attribute_is_a_configuration_error():
    reg.register_adapter("x", "syncore.testing.memory:NoSuchAdapter")
    with pytest.raises(ConfigurationError) as info:
        reg.get_adapter_class("x")
    assert "NoSuchAdapter" in str(info.value)


# syncore is not on a package index, so the hint names the extra's own requirement (from pyproject.toml)
@pytest.mark.parametrize("name,module,extra", [
    ("salesforce", "syncore_salesforce", 'pip install "cryptography>=41" "simple-salesforce<2,>=1.12"'),
    ("exchange", "syncore_exchange", 'pip install "exchangelib<6,>=5.4"'),
])
def test_builtin_adapter_with_missing_dependency_gives_install_hint(monkeypatch, name, module, extra):
    monkeypatch.setitem(sys.modules, module, None)  # importing it now raises ImportError
    with pytest.raises(ConfigurationError) as info:
        reg.get_adapter_class(name)
    message = str(info.value)
    assert extra in message
    assert module in message


def test_clobber_rules():
    reg.register_adapter("other", OtherMemory)
    with pytest.raises(ConfigurationError) as info:
        reg.register_adapter("other", "somewhere:Else")
    assert "other" in str(info.value)
    assert reg.get_adapter_class("other") is OtherMemory  # unchanged
    reg.register_adapter("other", "no_such_module:Thing", clobber=True)
    with pytest.raises(ConfigurationError):
        reg.get_adapter_class("other")


def test_registration_takes_precedence_over_builtin():
    class Mine(MemoryAdapter):
        adapter_name = "memory"

    reg.register_adapter("memory", Mine)
    assert reg.get_adapter_class("memory") is Mine


def test_adapter_name_mismatch_is_refused():
    reg.register_adapter("crm", MemoryAdapter)  # adapter_name is "memory"
    with pytest.raises(ConfigurationError) as info:
        reg.get_adapter_class("crm")
    message = str(info.value)
    assert "'crm'" in message and "'memory'" in message


def test_registry_view_is_read_only():
    with pytest.raises(TypeError):
        reg.registry["x"] = MemoryAdapter  # type: ignore[index]
