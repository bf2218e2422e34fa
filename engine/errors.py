"""TensorFlow's error classes (``tf.errors.InvalidArgumentError`` ...).

Messages name the shapes and dtypes involved and, where there is one, the fix.

>>> import gradplay.engine as tf
>>> try:
...     tf.matmul(tf.ones((2, 3)), tf.ones((4, 5)))
... except tf.errors.InvalidArgumentError as e:
...     print(e)
Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5] [Op:MatMul]
"""

from __future__ import annotations


class OpError(Exception):
    """Base class of the engine's runtime errors; ``str(e)`` is the message."""

    error_code = 2

    def __init__(self, node_def=None, op=None, message="", *args):
        # TensorFlow's signature is (node_def, op, message); a lone string is the message.
        if message == "" and isinstance(node_def, str) and op is None:
            node_def, message = None, node_def
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message

    def __str__(self) -> str:
        return self.message


def _make(name: str, code: int, doc: str):
    return type(name, (OpError,), {"error_code": code, "__doc__": doc})


CancelledError = _make("CancelledError", 1, "An operation was cancelled.")
UnknownError = _make("UnknownError", 2, "An unknown error.")
InvalidArgumentError = _make(
    "InvalidArgumentError", 3, "An operation received an invalid argument (shape, dtype, value)."
)
DeadlineExceededError = _make("DeadlineExceededError", 4, "A deadline expired.")
NotFoundError = _make("NotFoundError", 5, "A requested file or entity was not found.")
AlreadyExistsError = _make("AlreadyExistsError", 6, "An entity already exists.")
PermissionDeniedError = _make("PermissionDeniedError", 7, "Permission denied.")
ResourceExhaustedError = _make("ResourceExhaustedError", 8, "A resource (memory) ran out.")
FailedPreconditionError = _make(
    "FailedPreconditionError", 9, "The system is not in a state required for the operation."
)
AbortedError = _make("AbortedError", 10, "The operation was aborted.")
OutOfRangeError = _make("OutOfRangeError", 11, "An iterator or index went past its end.")
UnimplementedError = _make("UnimplementedError", 12, "The operation is not implemented.")
InternalError = _make("InternalError", 13, "An internal invariant broke.")
UnavailableError = _make("UnavailableError", 14, "The runtime is unavailable.")
DataLossError = _make("DataLossError", 15, "Unrecoverable data loss or corruption.")
UnauthenticatedError = _make("UnauthenticatedError", 16, "The request lacks credentials.")

__all__ = [
    "OpError",
    "CancelledError",
    "UnknownError",
    "InvalidArgumentError",
    "DeadlineExceededError",
    "NotFoundError",
    "AlreadyExistsError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "FailedPreconditionError",
    "AbortedError",
    "OutOfRangeError",
    "UnimplementedError",
    "InternalError",
    "UnavailableError",
    "DataLossError",
    "UnauthenticatedError",
]
