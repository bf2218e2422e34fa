"""A small pure-Python HDF5 writer for the files Keras keeps weights in, for runtimes without h5py.

Keras' ``.weights.h5`` (and the ``model.weights.h5`` inside a ``.keras`` zip) is an HDF5 file of nested
groups (``layers/dense/vars``), a string attribute ``name`` on each ``vars`` group and numeric datasets
``0, 1, ...``. h5py writes it natively, but Pyodide (gradplay in the browser) has no h5py, so this module
writes exactly that subset with the standard library and NumPy, following the HDF5 File Format
Specification (version 3.0). It only writes; reading stays with h5py. The subset, and why:

- Superblock version 2 (any HDF5 >= 1.8, i.e. every h5py that Keras 3 runs with, reads it): a fixed
  48-byte layout with 8-byte addresses and lengths, protected by a Jenkins lookup3 checksum.
- Every object has a version 2 object header (``OHDR``, checksummed). A group is stored "compact": a Link
  Info message saying there is no dense link storage, a Group Info message and one Link message per
  member, so no B-trees, local heaps or symbol tables are needed, at any number of members.
- A dataset has a version 2 dataspace (scalar or simple, any shape including zero-size ones), a version 1
  datatype (little-endian integers of 1-8 bytes, IEEE float16/32/64, and bool as h5py stores it: an enum
  ``FALSE=0, TRUE=1`` over int8), a fill value message with the HDF5 library's defaults and a contiguous
  layout (version 3) pointing at the raw bytes. A zero-size dataset has no storage (undefined address).
- A group attribute is a scalar variable-length UTF-8 string, as h5py stores a Python ``str`` (h5py reads
  it back as ``str``). The string bytes live in one global heap collection (at least 4096 bytes, the
  smallest collection the HDF5 library makes and expects).

The file is laid out as superblock, global heap, then every object after its children (a dataset's raw
bytes just before its header), so each address is known when the header that points at it is written.

>>> import numpy as np
>>> root = Group()
>>> vars_group = root.require_group("layers/dense/vars")
>>> vars_group.attrs["name"] = "dense"
>>> vars_group.create_dataset("0", data=np.ones((2, 3), "float32"))
>>> write_hdf5(root)[:8]
b'\\x89HDF\\r\\n\\x1a\\n'
"""

from __future__ import annotations

import struct

import numpy as np

__all__ = ["Group", "lookup3", "write_hdf5"]

_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_UNDEFINED = 0xFFFF_FFFF_FFFF_FFFF  # the "undefined address" (all bits set)
_SUPERBLOCK_SIZE = 48
_HEAP_MIN_SIZE = 4096  # H5HG_MINSIZE: the HDF5 library never makes (nor first reads) less
_HEAP_HEADER = 16  # "GCOL", version (1), reserved (3), collection size (8)
_HEAP_OBJECT_HEADER = 16  # index (2), reference count (2), reserved (4), size (8)
_MAX_RANK = 32  # H5S_MAX_RANK
_MAX_MESSAGE = 0xFFFF  # a message's size field has 2 bytes

# Object header message types.
_DATASPACE, _LINK_INFO, _DATATYPE, _FILL_VALUE, _LINK, _LAYOUT, _GROUP_INFO, _ATTRIBUTE = 1, 2, 3, 5, 6, 8, 10, 12
# Datatype classes.
_FIXED_POINT, _FLOATING_POINT, _ENUM, _VARIABLE_LENGTH = 0, 1, 8, 9

_SUPPORTED = "bool, int8-int64, uint8-uint64 and float16/float32/float64"


class Group:
    """A group to write: ``children`` maps names to groups (``Group`` or plain dict) and arrays,
    ``attrs`` maps names to strings.

    It offers the part of h5py's ``Group`` API that writing code uses (``require_group``,
    ``create_dataset``, ``attrs``), so the same code can fill an ``h5py.File`` or a ``Group``.
    """

    def __init__(self, children: dict | None = None, attrs: dict | None = None):
        self.children = dict(children or {})
        self.attrs = dict(attrs or {})

    def require_group(self, path: str) -> Group:
        """The group at ``path`` ("a/b/c", relative to this one), created with its parents if missing."""
        group = self
        for name in _path_names(path):
            child = group.children.setdefault(name, Group())
            if isinstance(child, dict):
                child = group.children[name] = Group(child)
            if not isinstance(child, Group):
                raise ValueError(f"Cannot create group {path!r}: {name!r} is already a dataset.")
            group = child
        return group

    def create_dataset(self, name: str, data) -> None:
        """Add the array ``data`` as dataset ``name`` (which may be a path "a/b/0")."""
        *parents, leaf = _path_names(name)
        group = self.require_group("/".join(parents)) if parents else self
        if leaf in group.children:
            raise ValueError(f"Cannot create dataset {name!r}: the name already exists.")
        group.children[leaf] = np.asarray(data)


def _path_names(path: str) -> list[str]:
    names = [p for p in str(path).split("/") if p]
    if not names or any(p == "." for p in names):
        raise ValueError(f"Invalid HDF5 path {path!r}: use names separated by '/', e.g. 'layers/dense/vars'.")
    return names


def write_hdf5(root) -> bytes:
    """The HDF5 file holding ``root`` (a ``Group`` or a dict of name -> dict / array), as bytes.

    Raises ``TypeError`` (nothing written) for a value this writer cannot store, naming its path.
    """
    root = _checked(root, "/")
    heap_size = _global_heap_size(list(_attribute_values(root)))
    writer = _Writer(heap_start=_SUPERBLOCK_SIZE, heap_size=heap_size)
    root_address = writer.group(root)
    out = writer.out
    if heap_size:
        out[_SUPERBLOCK_SIZE : _SUPERBLOCK_SIZE + heap_size] = _global_heap(writer.heap_objects, heap_size)
    out[:_SUPERBLOCK_SIZE] = _superblock(end_of_file=len(out), root_address=root_address)
    return bytes(out)


# -- checking the tree ---------------------------------------------------------------------------


def _checked(node, path: str):
    """A copy of the tree with every group a ``Group`` and every dataset a little-endian NumPy array."""
    if isinstance(node, dict):
        node = Group(node)
    if isinstance(node, Group):
        for key, value in node.attrs.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(
                    f"Cannot write attribute {key!r} of group {path!r}: this writer stores string attributes "
                    f"only (name and value both str); received a {type(value).__name__}. Convert it with str()."
                )
        children = {}
        for name, child in node.children.items():
            if not isinstance(name, str) or not name or "/" in name or name == ".":
                raise TypeError(f"Invalid member name {name!r} in group {path!r}: use a non-empty str without '/'.")
            children[name] = _checked(child, path.rstrip("/") + "/" + name)
        return Group(children, node.attrs)
    array = np.asarray(node)
    if not _is_supported(array.dtype):
        raise TypeError(
            f"Cannot write dataset {path!r}: dtype {array.dtype} is not supported by the pure-Python HDF5 "
            f"writer, which stores {_SUPPORTED}. Convert the array (e.g. `.astype('float32')`), or install "
            "h5py, which writes any dtype."
        )
    if array.ndim > _MAX_RANK:
        raise TypeError(f"Cannot write dataset {path!r}: HDF5 allows at most {_MAX_RANK} dimensions.")
    return array.astype(array.dtype.newbyteorder("<"), copy=False)


def _is_supported(dtype: np.dtype) -> bool:
    if dtype.kind == "b":
        return True
    if dtype.kind in "iu":
        return dtype.itemsize in (1, 2, 4, 8)
    return dtype.kind == "f" and dtype.itemsize in (2, 4, 8)


def _attribute_values(group: Group):
    yield from group.attrs.values()
    for child in group.children.values():
        if isinstance(child, Group):
            yield from _attribute_values(child)


# -- writing objects -----------------------------------------------------------------------------


class _Writer:
    """Appends objects to ``out`` (after the superblock and the global heap's reserved space)."""

    def __init__(self, heap_start: int, heap_size: int):
        self.out = bytearray(heap_start + heap_size)
        self.heap_address = heap_start
        self.heap_objects: list[bytes] = []  # the global heap's objects; object i + 1 is heap_objects[i]

    def _append(self, block: bytes) -> int:
        address = len(self.out)
        self.out += block
        return address

    def group(self, group: Group) -> int:
        """Write ``group`` and everything below it; return the address of its object header."""
        messages = [_message(_LINK_INFO, struct.pack("<BBQQ", 0, 0, _UNDEFINED, _UNDEFINED))]
        messages.append(_message(_GROUP_INFO, b"\0\0"))  # version 0, default link storage thresholds
        for name, value in group.attrs.items():
            messages.append(_message(_ATTRIBUTE, self._string_attribute(name, value)))
        for name, child in group.children.items():
            address = self.group(child) if isinstance(child, Group) else self.dataset(child)
            messages.append(_message(_LINK, _hard_link(name, address)))
        return self._append(_object_header(messages))

    def dataset(self, array: np.ndarray) -> int:
        """Write ``array``'s raw bytes and its object header; return the header's address."""
        data = array.tobytes()
        address = self._append(data) if data else _UNDEFINED
        messages = [
            _message(_DATASPACE, _dataspace(array.shape)),
            _message(_DATATYPE, _datatype(array.dtype)),
            # Version 3, flags: space allocated late (2), fill value written "if set" (2 << 2): h5py's defaults.
            _message(_FILL_VALUE, bytes([3, 2 | 2 << 2])),
            _message(_LAYOUT, struct.pack("<BBQQ", 3, 1, address, len(data))),  # version 3, contiguous
        ]
        return self._append(_object_header(messages))

    def _string_attribute(self, name: str, value: str) -> bytes:
        """An attribute message (version 3) holding ``value`` as a scalar variable-length UTF-8 string."""
        encoded = value.encode("utf-8")
        self.heap_objects.append(encoded)
        # A variable-length value on disk: its length, then the global heap ID (collection address, index).
        data = struct.pack("<IQI", len(encoded), self.heap_address, len(self.heap_objects))
        name_bytes = name.encode("utf-8") + b"\0"
        datatype = _datatype_header(_VARIABLE_LENGTH, 0x0101, 16) + _fixed_point(1, signed=False)  # string, UTF-8
        dataspace = _dataspace(())
        header = struct.pack("<BBHHHB", 3, 0, len(name_bytes), len(datatype), len(dataspace), _charset(name))
        return header + name_bytes + datatype + dataspace + data


def _charset(name: str) -> int:
    return 0 if name.isascii() else 1  # 0: ASCII, 1: UTF-8


def _hard_link(name: str, address: int) -> bytes:
    """A Link message (version 1) for a hard link; the character set is stored only for non-ASCII names."""
    encoded = name.encode("utf-8")
    wide = len(encoded) > 0xFF
    # Flags: bits 0-1 the size of the name length field (1 or 2 bytes), bit 4 "a character set follows".
    flags = (1 if wide else 0) | (0 if name.isascii() else 0x10)
    body = bytes([1, flags]) + (b"" if name.isascii() else bytes([_charset(name)]))
    body += struct.pack("<H" if wide else "<B", len(encoded)) + encoded
    return body + struct.pack("<Q", address)


def _message(kind: int, body: bytes) -> bytes:
    """A version 2 object header message: type, size, flags (none), body."""
    if len(body) > _MAX_MESSAGE:
        raise ValueError(f"An HDF5 header message is limited to {_MAX_MESSAGE} bytes (a name is too long).")
    return struct.pack("<BHB", kind, len(body), 0) + body


def _object_header(messages: list[bytes]) -> bytes:
    """A version 2 object header: "OHDR", version, flags (bits 0-1: size of the chunk size field), one chunk."""
    body = b"".join(messages)
    width = (len(body) > 0xFF) + (len(body) > 0xFFFF) + (len(body) > 0xFFFF_FFFF)  # 1, 2, 4 or 8 bytes
    header = b"OHDR" + bytes([2, width]) + len(body).to_bytes(1 << width, "little") + body
    return header + struct.pack("<I", lookup3(header))


def _dataspace(shape: tuple) -> bytes:
    """A version 2 dataspace: scalar (type 0) for shape (), else simple (type 1); no maximum dimensions."""
    return struct.pack("<BBBB", 2, len(shape), 0, 1 if shape else 0) + struct.pack(f"<{len(shape)}Q", *shape)


def _datatype_header(cls: int, bits: int, size: int) -> bytes:
    """Class and version (1), 24 class-specific bits, size in bytes."""
    return bytes([0x10 | cls]) + bits.to_bytes(3, "little") + struct.pack("<I", size)


def _fixed_point(size: int, signed: bool) -> bytes:
    """Little-endian two's complement integer: bit 3 is the sign flag; bit offset 0, all bits used."""
    return _datatype_header(_FIXED_POINT, 0x08 if signed else 0, size) + struct.pack("<HH", 0, 8 * size)


def _datatype(dtype: np.dtype) -> bytes:
    if dtype.kind == "b":
        # h5py's bool: an enum over int8 whose names are null-terminated and padded to 8 bytes (version 1).
        names = b"FALSE\0\0\0" + b"TRUE\0\0\0\0"
        return _datatype_header(_ENUM, 2, 1) + _fixed_point(1, signed=True) + names + bytes([0, 1])
    if dtype.kind in "iu":
        return _fixed_point(dtype.itemsize, signed=dtype.kind == "i")
    info = np.finfo(dtype)
    bits = 8 * dtype.itemsize
    # Little-endian, mantissa normalized with an implied leading 1 (bits 4-5 = 2), sign bit position in bits 8-15.
    header = _datatype_header(_FLOATING_POINT, 0x20 | (bits - 1) << 8, dtype.itemsize)
    bias = 2 ** (info.nexp - 1) - 1
    # Bit offset, precision, exponent location and size, mantissa location and size, exponent bias.
    return header + struct.pack("<HHBBBBI", 0, bits, info.nmant, info.nexp, 0, info.nmant, bias)


def _superblock(end_of_file: int, root_address: int) -> bytes:
    """Version 2: 8-byte offsets and lengths, no consistency flags, base address 0, no superblock extension."""
    block = _SIGNATURE + bytes([2, 8, 8, 0]) + struct.pack("<QQQQ", 0, _UNDEFINED, end_of_file, root_address)
    return block + struct.pack("<I", lookup3(block))


# -- the global heap (variable-length string attributes) -------------------------------------------


def _padded(size: int) -> int:
    return (size + 7) & ~7


def _global_heap_size(strings: list[str]) -> int:
    """Bytes for a collection holding ``strings`` and a free-space object, or 0 when there are none."""
    if not strings:
        return 0
    if len(strings) > 0xFFFF:
        raise ValueError(
            f"The pure-Python HDF5 writer stores at most 65535 string attributes (one global heap collection); "
            f"received {len(strings)}. Install h5py to write this file."
        )
    objects = sum(_HEAP_OBJECT_HEADER + _padded(len(s.encode("utf-8"))) for s in strings)
    return max(_HEAP_MIN_SIZE, _HEAP_HEADER + objects + _HEAP_OBJECT_HEADER)


def _global_heap(objects: list[bytes], size: int) -> bytes:
    """A global heap collection ("GCOL", version 1): objects 1, 2, ..., then object 0, the free space."""
    out = bytearray(b"GCOL" + bytes([1, 0, 0, 0]) + struct.pack("<Q", size))
    for index, data in enumerate(objects, start=1):
        out += struct.pack("<HHIQ", index, 0, 0, len(data)) + data.ljust(_padded(len(data)), b"\0")
    out += struct.pack("<HHIQ", 0, 0, 0, size - len(out))  # the free space's size counts its own header
    return bytes(out.ljust(size, b"\0"))


# -- checksums -----------------------------------------------------------------------------------


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & 0xFFFF_FFFF


def lookup3(data: bytes, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 ``hashlittle``, the checksum of HDF5 metadata (``H5_checksum_lookup3``).

    >>> hex(lookup3(b"Four score and seven years ago"))
    '0x17770551'
    """
    m = 0xFFFF_FFFF
    length = len(data)
    a = b = c = (0xDEADBEEF + length + initval) & m
    i = 0
    while length - i > 12:  # all but the last 1-12 bytes, 12 at a time: add and mix
        x, y, z = struct.unpack_from("<III", data, i)
        a, b, c = (a + x) & m, (b + y) & m, (c + z) & m
        a = ((a - c) & m) ^ _rot(c, 4)
        c = (c + b) & m
        b = ((b - a) & m) ^ _rot(a, 6)
        a = (a + c) & m
        c = ((c - b) & m) ^ _rot(b, 8)
        b = (b + a) & m
        a = ((a - c) & m) ^ _rot(c, 16)
        c = (c + b) & m
        b = ((b - a) & m) ^ _rot(a, 19)
        a = (a + c) & m
        c = ((c - b) & m) ^ _rot(b, 4)
        b = (b + a) & m
        i += 12
    if length == 0:
        return c  # no final mix for empty input
    x, y, z = struct.unpack("<III", data[i:].ljust(12, b"\0"))  # the last block, zero-padded
    a, b, c = (a + x) & m, (b + y) & m, (c + z) & m
    c = ((c ^ b) - _rot(b, 14)) & m
    a = ((a ^ c) - _rot(c, 11)) & m
    b = ((b ^ a) - _rot(a, 25)) & m
    c = ((c ^ b) - _rot(b, 16)) & m
    a = ((a ^ c) - _rot(c, 4)) & m
    b = ((b ^ a) - _rot(a, 14)) & m
    c = ((c ^ b) - _rot(b, 24)) & m
    return c
