from ..core.errors import ArmError, Conflict, InvalidParameter, ResourceNotFound

__all__ = ["ArmError", "Conflict", "InvalidParameter", "ResourceNotFound", "InvalidResourceReference",
           "ImageVersionNotFound", "NotActiveInstance", "ScaleSetBeingDeleted", "OperationInProgress"]


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


class OperationInProgress(Conflict):
    """A write to a scale set while another operation on it runs: Compute answers 409 and the client
    is expected to wait for the running operation and try again."""

    code = "OperationNotAllowed"

    def __init__(self, name: str, running: str, retry_after: str):
        super().__init__(f"Operation '{running}' is in progress on Virtual Machine Scale Set '{name}'. Another "
                         f"operation on it is not allowed until it completes; retry later.",
                         headers={"Retry-After": retry_after})
