from ..core.errors import ArmError, InvalidParameter, MissingRequiredProperty, ResourceNotFound

__all__ = ["ArmError", "InvalidParameter", "MissingRequiredProperty", "ResourceNotFound", "InUsePool"]


class InUsePool(ArmError):
    code = "InUseBackendAddressPoolCannotBeDeleted"

    def __init__(self, pool_id: str, user: str):
        super().__init__(f"Backend address pool {pool_id} is in use by {user} and cannot be deleted.")
