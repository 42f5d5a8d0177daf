from ..core.errors import ArmError, InvalidParameter, MissingRequiredProperty, ResourceNotFound

__all__ = ["ArmError", "InvalidParameter", "MissingRequiredProperty", "ResourceNotFound", "AutoscaleNotFound"]


class AutoscaleNotFound(ArmError):
    status = 404
    code = "ResourceNotFound"

    def __init__(self, name: str, rg: str):
        super().__init__(f"The Resource 'microsoft.insights/autoscalesettings/{name}' under resource group "
                         f"'{rg}' was not found. For more details please go to "
                         f"https://aka.ms/ARMResourceNotFoundFix")
