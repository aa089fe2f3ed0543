"""Powertools' HTTP API resolver, imported without the rest of `event_handler` and of `data_classes`.

`aws_lambda_powertools.event_handler/__init__.py` imports every resolver (AppSync, Bedrock agents, VPC
Lattice, asyncio with them) and `utilities/data_classes/__init__.py` every event class (Kafka, S3,
CodePipeline with zipfile, ...), while an API function needs one resolver and a few event classes: a
third of a cold start's imports. Here those two packages are registered lazily before anything imports
them: a name the package re-exports is loaded from its own submodule when first asked for (the map is
read from the package's `__init__` without running it), and any other name runs the real `__init__`, so
code elsewhere that imports the packages the usual way still gets everything.

API functions import `APIGatewayHttpResolver`, `Response` and friends from here, never from
`aws_lambda_powertools.event_handler` directly.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import threading
from pathlib import Path
from typing import Any

LAZY_PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")
_lock = threading.RLock()
_MISSING = object()


def _exported(origin: str, package: str) -> dict[str, tuple[str, str]]:
    """name -> (submodule, name there) for each `from .x import name` at the top of a package's __init__."""
    tree = ast.parse(Path(origin).read_bytes())
    exported: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            relative = "." * node.level + node.module
            source = importlib.util.resolve_name(relative, package) if node.level else node.module
            for alias in node.names:
                exported[alias.asname or alias.name] = (source, alias.name)
    return exported


def lazy_package(name: str) -> None:
    """Register package `name` so that its submodules import alone and its names load on first use."""
    with _lock:
        if name in sys.modules:
            return
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or spec.origin is None:
            return
        module = importlib.util.module_from_spec(spec)
        exported = _exported(spec.origin, name)
        state = {"complete": False}

        def _load(attr: str) -> Any:
            """A re-exported name from its submodule, or a submodule itself; never the whole package."""
            if attr in exported:
                source, original = exported[attr]
                return getattr(importlib.import_module(source), original)
            if importlib.util.find_spec(f"{name}.{attr}") is not None:
                return importlib.import_module(f"{name}.{attr}")
            return _MISSING

        def __getattr__(attr: str) -> Any:
            if attr.startswith("__"):
                raise AttributeError(attr)
            with _lock:
                if not state["complete"]:
                    value = _load(attr)
                    if value is not _MISSING:
                        setattr(module, attr, value)
                        return value
                    state["complete"] = True
                    spec.loader.exec_module(module)  # type: ignore[union-attr]
            try:
                return module.__dict__[attr]
            except KeyError:
                raise AttributeError(f"module {name!r} has no attribute {attr!r}") from None

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        setattr(importlib.import_module(parent), child, module)


def _register() -> None:
    for package in LAZY_PACKAGES:
        lazy_package(package)


_register()

# Imported only after the packages above are lazy.
import aws_lambda_powertools.event_handler.content_types as content_types  # noqa: E402
from aws_lambda_powertools.event_handler.api_gateway import (  # noqa: E402
    APIGatewayHttpResolver,
    CORSConfig,
    Response,
)
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402

__all__ = ["APIGatewayHttpResolver", "CORSConfig", "NotFoundError", "Response", "content_types"]
