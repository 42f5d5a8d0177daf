"""Every default and limit of the deployment request (CONTRACT §3) in one place.

The spec model, the orchestrator and the docs read these names, so a default changes here only.
"""

from __future__ import annotations

from typing import Final

# Steady state
STEADY_STATE_TIMEOUT_MINUTES: Final = 20
STEADY_STATE_TIMEOUT_MINUTES_RANGE: Final = (1, 1440)
POLL_INTERVAL_SECONDS: Final = 15
POLL_INTERVAL_SECONDS_RANGE: Final = (1, 300)

# Lineage
VERSIONS_TO_KEEP: Final = 3
VERSIONS_TO_KEEP_RANGE: Final = (2, 10)

# Capacity
MAX_INSTANCES: Final = 1000

# Upgrade
UPGRADE_UNIT: Final = "percent"
UPGRADE_VALUE: Final = 100

# Swap and after
DOWNSIZE_OLD_VMSS: Final = True
RESIZE_STRATEGY: Final = "resizeNewFirst"
SCALE_DOWN_DELAY_SECONDS: Final = 0
SCALE_DOWN_DELAY_SECONDS_RANGE: Final = (0, 86400)

# Approval (only when the request has an `approval` block)
APPROVAL_REQUIRED: Final = True
APPROVAL_TIMEOUT_MINUTES: Final = 60
# Up to a week: long enough for a weekend, short enough that a forgotten deployment ends by itself.
APPROVAL_TIMEOUT_MINUTES_RANGE: Final = (1, 10080)
# Nobody answering must never ship a version: the safe default rejects (and rolls back).
APPROVAL_ON_TIMEOUT: Final = "reject"

# userData: Azure limits the base64 string it stores to 64 KiB, so that is what is measured.
USER_DATA_MAX_ENCODED_CHARS: Final = 64 * 1024

# Names: an Azure scale set name has at most 64 characters and `__<revision>` is appended to the
# base name, so 58 leaves room for revisions up to 9999.
MAX_BASE_NAME_LENGTH: Final = 58
# The HARNESS_REVISION tag value is `<infrastructureId>__N` and Azure tag values hold 256 characters.
MAX_INFRASTRUCTURE_ID_LENGTH: Final = 240

# Profiles
PROFILE_ENABLED: Final = True
DEPLOY_EXCLUDED_FROM_LATEST: Final = False
