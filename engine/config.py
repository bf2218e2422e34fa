"""``tf.config`` and ``tf.device``: which devices exist and where work runs.

Today every primitive runs on the CPU through the NumPy backend; a ``GPU`` device appears
here once a GPU backend is selected.

>>> import gradplay.engine as tf
>>> tf.config.list_physical_devices("CPU")
[PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
"""

from __future__ import annotations

import collections
import contextlib

from . import backends

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])


def list_physical_devices(device_type=None) -> list:
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    if device_type is None:
        return devices
    return [d for d in devices if d.device_type == str(device_type).upper()]


list_logical_devices = list_physical_devices


def _parse(name: str) -> str:
    kind = name.upper().replace("/DEVICE:", "").lstrip("/").split(":")[0]
    return kind


@contextlib.contextmanager
def device(device_name: str):
    """Place the operations in the block on ``device_name`` (``"CPU:0"``, ``"/GPU:0"``)."""
    kind = _parse(device_name)
    if kind != "CPU" and not list_physical_devices(kind):
        raise RuntimeError(
            f"Device {device_name!r} is not available: the only device is the CPU (backend "
            f"{backends.get_backend().NAME!r}). Use tf.device('CPU:0'), or remove the "
            f"tf.device block."
        )
    yield


def set_visible_devices(devices, device_type=None):
    return None


class experimental:  # noqa: N801 - TensorFlow's namespace name
    @staticmethod
    def set_memory_growth(device, enable):
        return None
