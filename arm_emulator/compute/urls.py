"""Routes for Microsoft.Compute. The throttle column names the bucket scope and cost class."""

from ..core.routing import route
from . import responses as r

RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
VMSS = RG + "/virtualMachineScaleSets/{vmScaleSetName}"
GALLERY = RG + "/galleries/{galleryName}"
IMAGE = GALLERY + "/images/{galleryImageName}"
VERSION = IMAGE + "/versions/{galleryImageVersionName}"

W, LOW, HIGH = ("vmss", "write"), ("vmss", "low"), ("vmss", "high")
SUB_W, SUB_LOW = ("subscription", "write"), ("subscription", "low")

url_paths = [
    route("PUT", VMSS, r.put_scale_set, W),
    route("PATCH", VMSS, r.patch_scale_set, W),
    route("GET", VMSS, r.get_scale_set, LOW),
    route("DELETE", VMSS, r.delete_scale_set, W),
    route("POST", VMSS + "/manualupgrade", r.manual_upgrade, W),
    route("POST", VMSS + "/delete", r.delete_instances, W),
    route("GET", VMSS + "/instanceView", r.scale_set_instance_view, HIGH),
    route("GET", VMSS + "/virtualMachines", r.list_vms, HIGH),
    route("GET", VMSS + "/virtualMachines/{instanceId}", r.get_vm, LOW),
    route("DELETE", VMSS + "/virtualMachines/{instanceId}", r.delete_vm, W),
    route("GET", VMSS + "/virtualMachines/{instanceId}/instanceView", r.vm_instance_view, HIGH),
    route("GET", RG + "/virtualMachineScaleSets", r.list_scale_sets, SUB_LOW),
    route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachineScaleSets",
          r.list_scale_sets, SUB_LOW),
    route("PUT", GALLERY, r.put_gallery, SUB_W),
    route("GET", GALLERY, r.get_gallery, SUB_LOW),
    route("DELETE", GALLERY, r.delete_gallery, SUB_W),
    route("GET", RG + "/galleries", r.list_galleries, SUB_LOW),
    route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/galleries", r.list_galleries, SUB_LOW),
    route("PUT", IMAGE, r.put_image, SUB_W),
    route("GET", IMAGE, r.get_image, SUB_LOW),
    route("DELETE", IMAGE, r.delete_image, SUB_W),
    route("GET", GALLERY + "/images", r.list_images, SUB_LOW),
    route("PUT", VERSION, r.put_image_version, SUB_W),
    route("GET", VERSION, r.get_image_version, SUB_LOW),
    route("DELETE", VERSION, r.delete_image_version, SUB_W),
    route("GET", IMAGE + "/versions", r.list_image_versions, SUB_LOW),
]
