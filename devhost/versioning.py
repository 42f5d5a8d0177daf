"""Orchestration versioning as the Durable extension does it (host.json `extensions.durableTask`).

`defaultVersion` stamps new orchestrations and sub-orchestrations that name no version of their own;
`versionMatchStrategy` decides which instances this host may run, and `versionFailureStrategy` what
happens to the others: `Reject` leaves them untouched (their messages wait for a host that matches),
`Fail` ends them Failed. The comparison is DurableTask.Core's `VersioningSettings.CompareVersions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MATCH_STRATEGIES = ("None", "Strict", "CurrentOrOlder")
FAILURE_STRATEGIES = ("Reject", "Fail")
# DurableTask.Core's failure for an instance this worker may not run (ErrorType VersionMismatch).
VERSION_MISMATCH_MESSAGE = "Orchestration version did not comply with Worker Versioning"

# System.Version.TryParse: two to four dot-separated non-negative integers.
_DOTNET_VERSION = re.compile(r"^\s*\d+(\.\d+){1,3}\s*$")


def compare_versions(source: str | None, other: str | None) -> int:
    """Negative, zero or positive as `source` is older than, equal to or newer than `other`.

    Empty versions are equal and older than any defined one; two System.Version-shaped versions
    compare by component; anything else compares as case-insensitive text.
    """
    source_empty = not (source or "").strip()
    other_empty = not (other or "").strip()
    if source_empty and other_empty:
        return 0
    if source_empty:
        return -1
    if other_empty:
        return 1
    assert source is not None and other is not None
    if _DOTNET_VERSION.match(source) and _DOTNET_VERSION.match(other):
        left = tuple(int(p) for p in source.strip().split("."))
        right = tuple(int(p) for p in other.strip().split("."))
        # System.Version: an absent build/revision component sorts before a present one.
        left_padded = left + (-1,) * (4 - len(left))
        right_padded = right + (-1,) * (4 - len(right))
        return (left_padded > right_padded) - (left_padded < right_padded)
    a, b = source.lower(), other.lower()
    return (a > b) - (a < b)


def _choice(value: Any, allowed: tuple[str, ...], setting: str, default: str) -> str:
    if value is None:
        return default
    for option in allowed:
        if str(value).strip().lower() == option.lower():
            return option
    raise ValueError(f"host.json extensions.durableTask.{setting}: '{value}' is not one of {', '.join(allowed)}")


@dataclass(frozen=True)
class Versioning:
    default_version: str | None = None
    match_strategy: str = "CurrentOrOlder"
    failure_strategy: str = "Reject"

    @classmethod
    def from_host_json(cls, durable: dict[str, Any]) -> Versioning:
        default = durable.get("defaultVersion")
        return cls(
            default_version=None if default is None else str(default),
            match_strategy=_choice(durable.get("versionMatchStrategy"), MATCH_STRATEGIES,
                                   "versionMatchStrategy", "CurrentOrOlder"),
            failure_strategy=_choice(durable.get("versionFailureStrategy"), FAILURE_STRATEGIES,
                                     "versionFailureStrategy", "Reject"),
        )

    def version_for_new(self, explicit: str | None) -> str | None:
        """The version a new orchestration (or sub-orchestration) gets: its own, else the default."""
        return explicit if explicit is not None else self.default_version

    def mismatch(self, instance_version: str | None) -> str | None:
        """Why this host may not run an instance of `instance_version`; None when it may.

        Without a `defaultVersion` this host has no version of its own and runs everything.
        """
        if self.default_version is None or self.match_strategy == "None":
            return None
        if self.match_strategy == "Strict":
            if (instance_version or "") != self.default_version:
                return (f"the orchestration version '{instance_version or ''}' does not match the worker version "
                        f"'{self.default_version}' (versionMatchStrategy Strict)")
            return None
        if compare_versions(instance_version, self.default_version) > 0:
            return (f"the orchestration version '{instance_version}' is greater than the worker version "
                    f"'{self.default_version}' (versionMatchStrategy CurrentOrOlder)")
        return None
