"""``tf.nest``: flatten and rebuild nested lists, tuples and dicts (dicts in sorted-key order).

>>> from gradplay.engine import nest
>>> nest.flatten({"b": [1, 2], "a": 3})
[3, 1, 2]
>>> nest.map_structure(lambda x: x * 10, {"b": [1, 2], "a": 3})
{'a': 30, 'b': [10, 20]}
"""

from __future__ import annotations


def _is_nested(x) -> bool:
    return isinstance(x, (list, tuple, dict))


def flatten(structure, expand_composites=False) -> list:
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def _pack(structure, leaves):
    if isinstance(structure, dict):
        return {k: _pack(structure[k], leaves) for k in sorted(structure)}
    if isinstance(structure, (list, tuple)):
        items = [_pack(s, leaves) for s in structure]
        if isinstance(structure, tuple) and hasattr(structure, "_fields"):
            return type(structure)(*items)
        return type(structure)(items)
    return next(leaves)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    flat_sequence = list(flat_sequence)
    n = len(flatten(structure))
    if n != len(flat_sequence):
        raise ValueError(f"Structure has {n} leaves but flat_sequence has {len(flat_sequence)} elements.")
    return _pack(structure, iter(flat_sequence))


def map_structure(func, *structures):
    if not structures:
        raise ValueError("map_structure needs at least one structure.")
    flats = [flatten(s) for s in structures]
    if len({len(f) for f in flats}) != 1:
        raise ValueError("map_structure: the structures have different numbers of leaves.")
    return pack_sequence_as(structures[0], [func(*xs) for xs in zip(*flats)])


def is_nested(structure) -> bool:
    return _is_nested(structure)
