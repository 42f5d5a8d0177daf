from ..core.errors import ArmError, ResourceGroupNotFound

__all__ = ["ResourceGroupNotFound", "LocationRequired"]


class LocationRequired(ArmError):
    code = "LocationRequired"

    def __init__(self) -> None:
        super().__init__("The location property is required for this definition.")
