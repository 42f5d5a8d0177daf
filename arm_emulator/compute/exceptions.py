from ..core.errors import ArmError, Conflict, InvalidParameter, ResourceNotFound

__all__ = ["ArmError", "Conflict", "InvalidParameter", "ResourceNotFound", "InvalidResourceReference",
           "ImageVersionNotFound", "NotActiveInstance", "ScaleSetBeingDeleted"]


class InvalidResourceReference(ArmError):
    code = "InvalidResourceReference"

    def __init__(self, ref: str, by: str):
        super().__init__(
            f"Resource {ref} referenced by resource {by} was not found. Please make sure that the referenced "
            f"resource exists, and that both resources are in the same region.")


class ImageVersionNotFound(InvalidParameter):
    def __init__(self, ref: str):
        super().__init__(f"The gallery image version '{ref}' does not exist, or the gallery image it names "
                         f"has no version to use.", target="imageReference")


class NotActiveInstance(InvalidParameter):
    def __init__(self, instance_id: str):
        super().__init__(f"The provided instanceId {instance_id} is not an active Virtual Machine Scale Set "
                         f"VM instanceId.", target="instanceIds")


class ScaleSetBeingDeleted(Conflict):
    code = "OperationNotAllowed"

    def __init__(self, name: str):
        super().__init__(f"The operation is not allowed since the Virtual Machine Scale Set '{name}' is "
                         f"being deleted.")
