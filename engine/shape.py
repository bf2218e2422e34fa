"""``TensorShape``: a tuple of dimensions (``None`` where unknown) that prints like TensorFlow's.

>>> from gradplay.engine.shape import TensorShape
>>> s = TensorShape([2, 3])
>>> print(s), s, s == (2, 3), s.as_list()
(2, 3)
(None, TensorShape([2, 3]), True, [2, 3])
"""

from __future__ import annotations


class TensorShape(tuple):
    __slots__ = ()

    def __new__(cls, dims=()):
        if type(dims) is tuple:  # the common case: a buffer's shape, already ints
            try:
                return tuple.__new__(cls, dims) if all(type(d) is int for d in dims) else cls._make(dims)
            except TypeError:
                pass
        return cls._make(dims)

    @classmethod
    def _make(cls, dims):
        if dims is None:
            raise ValueError("Unknown rank is not supported; give the dimensions, e.g. (None, 3).")
        if isinstance(dims, int):
            dims = (dims,)
        return tuple.__new__(cls, (None if d is None else int(d) for d in dims))

    @property
    def rank(self) -> int:
        return len(self)

    ndims = rank

    @property
    def dims(self) -> list:
        return list(self)

    def as_list(self) -> list:
        return list(self)

    def num_elements(self):
        n = 1
        for d in self:
            if d is None:
                return None
            n *= d
        return n

    def is_fully_defined(self) -> bool:
        return all(d is not None for d in self)

    def is_compatible_with(self, other) -> bool:
        other = TensorShape(other)
        return len(self) == len(other) and all(a is None or b is None or a == b for a, b in zip(self, other))

    def concatenate(self, other) -> TensorShape:
        return TensorShape(tuple(self) + tuple(TensorShape(other)))

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return TensorShape(item) if isinstance(key, slice) else item

    def __str__(self) -> str:
        if len(self) == 1:
            return f"({self[0]},)"
        return "(" + ", ".join(str(d) for d in self) + ")"

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})"
