"""Names Harness gives to a lineage's scale sets, revisions and related resources."""

from __future__ import annotations

import hashlib
import re

REVISION_SEPARATOR = "__"

# CONTRACT §3: each of these becomes `__` (Harness's normalisation of the scale set base name).
NAME_CHARS_REPLACED = "-+*/\\ &$\"'.|"
_NORMALISE = str.maketrans({c: REVISION_SEPARATOR for c in NAME_CHARS_REPLACED})
_REVISION_NUMBER = re.compile(r"[0-9]{1,9}", re.ASCII)
_BLOB_SAFE = re.compile(r"[^a-z0-9]+", re.ASCII)


def normalise_name(name: str) -> str:
    """Replace each character of NAME_CHARS_REPLACED by `__`. Idempotent."""
    return name.translate(_NORMALISE)


def vmss_name(base: str, revision: int) -> str:
    return f"{base}{REVISION_SEPARATOR}{revision}"


def revision_tag(infra_id: str, revision: int) -> str:
    """The HARNESS_REVISION tag value of revision N of a lineage."""
    return f"{infra_id}{REVISION_SEPARATOR}{revision}"


def parse_revision(tag_value: str | None, infra_id: str) -> int | None:
    """N when `tag_value` is exactly `<infra_id>__N` (N decimal digits), else None.

    The prefix compares case-sensitively, as Harness's `startsWith` did. A value like
    `<infra_id>__x__3` is not ours: it is revision 3 of the lineage `<infra_id>__x`.
    """
    if not isinstance(tag_value, str) or not isinstance(infra_id, str) or not infra_id:
        return None
    prefix = infra_id + REVISION_SEPARATOR
    if not tag_value.startswith(prefix):
        return None
    suffix = tag_value[len(prefix) :]
    if not _REVISION_NUMBER.fullmatch(suffix):
        return None
    return int(suffix)


def autoscale_name(vmss: str) -> str:
    return f"{vmss}_Autoscale"


def target_key(subscription: str, resource_group: str, infra_id: str) -> str:
    """A stable key per deployment target, safe as a blob name (lowercase [a-z0-9-]).

    Azure names are case-insensitive, so the key is too: two lineages whose ids differ only in case
    share a lock, which only serialises them. The hash makes it unique; the readable part is for
    humans listing the container.
    """
    identity = "/".join(part.strip().lower() for part in (subscription, resource_group, infra_id))
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    readable = _BLOB_SAFE.sub("-", f"{resource_group}-{infra_id}".lower()).strip("-")[:80]
    return f"{readable}-{digest}" if readable else digest
