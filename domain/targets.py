"""What serves prod now: every lineage of a resource group, from its scale sets' tags (pure).

A lineage is the scale sets whose `HARNESS_REVISION` tag is `<infraId>__N`, whoever made them (this
deployer or Harness). Its live scale set is the newest member tagged `BG_VERSION=BLUE` with instances
(the swap tags the scale set it puts into prod BLUE and the one it takes out GREEN); a lineage without
such a member falls back to the deployer's own rule, `active_member` (the newest with instances).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from domain.lineage import LineageMember, active_member, lineage_members, newest_first
from domain.model import ScaleSetSummary
from domain.naming import REVISION_SEPARATOR
from domain.tags import BG_VERSION, BLUE, CREATED, HARNESS_REVISION, get_tag

_TAG_VALUE = re.compile(r"(?P<infra>.+)" + REVISION_SEPARATOR + r"[0-9]{1,9}", re.ASCII | re.DOTALL)


def infrastructure_ids(scale_sets: Iterable[ScaleSetSummary]) -> list[str]:
    """The infrastructure ids named by the scale sets' HARNESS_REVISION tags, sorted."""
    found = set()
    for scale_set in scale_sets:
        match = _TAG_VALUE.fullmatch(get_tag(scale_set.tags, HARNESS_REVISION) or "")
        if match:
            found.add(match.group("infra"))
    return sorted(found)


def live_member(members: Iterable[LineageMember]) -> LineageMember | None:
    members = list(members)
    blue = [m for m in members if m.capacity > 0 and (get_tag(m.summary.tags, BG_VERSION) or "").upper() == BLUE]
    return newest_first(blue)[0] if blue else active_member(members)


def member_document(member: LineageMember) -> dict[str, Any]:
    s = member.summary
    return {"name": s.name, "revision": member.revision, "image": s.image_id, "capacity": s.capacity,
            "bgVersion": get_tag(s.tags, BG_VERSION), "pools": list(s.pool_ids),
            "created": get_tag(s.tags, CREATED), "provisioningState": s.provisioning_state}


def targets_document(scale_sets: Iterable[ScaleSetSummary], running: dict[str, str]) -> dict[str, Any]:
    """`GET /api/targets` (CONTRACT §5). `running`: infrastructure id (lower case) -> the id of the
    deployment running on it."""
    scale_sets = list(scale_sets)
    value = []
    for infra_id in infrastructure_ids(scale_sets):
        members = lineage_members(scale_sets, infra_id)
        live = live_member(members)
        value.append({"infrastructureId": infra_id, "liveVmss": live.name if live else None,
                      "runningDeployment": running.get(infra_id.lower()),
                      "members": [member_document(m) for m in members]})
    return {"value": value}
