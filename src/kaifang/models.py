"""Imports every domain's tables so metadata is complete (migrations, tests)."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "kaifang.auth.models",
    "kaifang.audit.models",
    "kaifang.jobs.models",
    "kaifang.catalog.models",
    "kaifang.search.models",
    "kaifang.governance.models",
    "kaifang.access.models",
    "kaifang.interop.harvest.models",
    "kaifang.feedback.models",
    "kaifang.showcase.models",
    "kaifang.activity.models",
)


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
