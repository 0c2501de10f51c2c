"""siqa: Seamless Interaction Quality Audit.

Finds the defects the Seamless Interaction dataset's owners document (timing, prompts, identity, bleed, MOI,
site quality), explains each with evidence and a confidence, and proposes reversible corrections.

    import siqa
    result = siqa.audit("~/datasets/seamless_interaction", "dev/0000")   # -> siqa.Audit, nothing written
    result.frame()                                                        # findings as a DataFrame
    siqa.load("reports/dev-0000")                                         # a finished audit, read back

The API (`siqa.api`) is imported on first use, so `import siqa` stays cheap. `siqa.audit` is the function
even though `siqa/audit.py` is a module too (the engine's audit): importing a submodule normally sets it as
an attribute of its package, and this package declines that for its API names (`_Package`), so
`import siqa.audit` or `from siqa.audit import run_audit` anywhere leaves `siqa.audit` the function. The
module stays in `sys.modules["siqa.audit"]`, where `from siqa.audit import ...` finds it (`import siqa.audit as
m` names the function, as attribute lookup comes first: take the module from `importlib.import_module`).
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from siqa.schemas.version import __version__

__all__ = ["Audit", "__version__", "audit", "load"]
_API = ("Audit", "audit", "load")

if TYPE_CHECKING:
    from siqa.api import Audit, audit, load


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'siqa' has no attribute {name!r}")
    from siqa import api

    value = getattr(api, name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """The `siqa` package, whose API names a submodule import does not overwrite."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
