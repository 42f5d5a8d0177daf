"""A delivery that starts nothing says why in devhost's answer, besides the host log (issue 14)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import profile_for
from tests.e2e.test_event_driven_deploys import deliver, event_for, profiles  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e


def decisions(response) -> str:
    assert response.status_code == 200, response.text
    return "\n".join(line for event in response.json()["events"] for line in event["log"])


def test_deliveries_that_start_nothing_answer_the_reason(devhost, target, seeded, profiles):  # noqa: F811
    other_image = seeded[1].replace(f"/images/{target.image}/", "/images/no-profile-names-this/")
    assert "no enabled profile follows image definition" in decisions(deliver(devhost, event_for(other_image)))

    profiles(web=profile_for(target))
    missing = seeded[1].replace("/versions/1.1.0", "/versions/9.9.9")
    assert "was not found" in decisions(deliver(devhost, event_for(missing)))

    assert "Started profile" in decisions(deliver(devhost, event_for(seeded[1])))
    assert "Duplicate event" in decisions(deliver(devhost, event_for(seeded[1])))
