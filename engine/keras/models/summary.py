"""``model.summary()`` in Keras 3's table layout, with Keras' exact parameter counts."""

from __future__ import annotations

import numpy as np

from ... import nest
from ..layers.base import InputLayer, KerasTensor


def readable_size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes < 1024 or unit == "TB":
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} TB"


def _count(weights):
    return int(sum(int(np.prod(v.shape)) for v in weights))


def _bytes(weights):
    return float(sum(int(np.prod(v.shape)) * v.dtype.size for v in weights))


def _shape_text(layer):
    try:
        out = layer.output
    except AttributeError:
        return "?"
    shapes = [t.shape for t in nest.flatten(out) if isinstance(t, KerasTensor)]
    if not shapes:
        return "?"
    text = [("(" + ", ".join(str(d) for d in s) + (",)" if len(s) == 1 else ")")) for s in shapes]
    return text[0] if len(text) == 1 else "[" + ", ".join(text) + "]"


def _connected_to(layer, model_layers):
    if not layer._inbound_nodes or isinstance(layer, InputLayer):
        return "-"
    node = layer._inbound_nodes[0]
    parts = []
    for kt in node.input_tensors:
        src, node_index, tensor_index = kt._history
        parts.append(f"{src.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) if parts else "-"


def _row(cells, widths, aligns, sep="│"):
    out = []
    for cell, width, align in zip(cells, widths, aligns):
        cell = str(cell)
        if len(cell) > width - 2:
            cell = cell[: width - 3] + "…"
        out.append(" " + (cell.rjust(width - 2) if align == "r" else cell.ljust(width - 2)) + " ")
    return sep + sep.join(out) + sep


def print_summary(model, line_length=None, print_fn=None):
    from .functional import Functional
    from .sequential import Sequential

    print_fn = print_fn or print
    functional = isinstance(model, Functional)
    if isinstance(model, Sequential):
        layers = model.layers
    elif functional:
        layers = model.layers
    else:
        layers = model._all_layers()
    headers = ["Layer (type)", "Output Shape", "Param #"]
    aligns = ["l", "l", "r"]
    if functional:
        headers.append("Connected to")
        aligns.append("l")
        widths = [31, 25, 12, 22] if not line_length else _split(line_length, [0.3, 0.53, 0.65, 1.0])
    else:
        widths = [35, 26, 15] if not line_length else _split(line_length, [0.45, 0.75, 1.0])
    rows = []
    for layer in layers:
        built = layer.built or isinstance(layer, InputLayer)
        params = f"{_count(layer.weights):,}" if built else "0 (unbuilt)"
        cells = [f"{layer.name} ({type(layer).__name__})", _shape_text(layer), params]
        if functional:
            cells.append(_connected_to(layer, layers))
        rows.append(cells)

    def rule(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    lines = [
        f'Model: "{model.name}"',
        rule("┏", "┳", "┓", "━"),
        _row(headers, widths, ["l"] * len(widths), "┃"),
        rule("┡", "╇", "┩", "━"),
    ]
    for i, cells in enumerate(rows):
        lines.append(_row(cells, widths, aligns))
        lines.append(rule("├", "┼", "┤", "─") if i < len(rows) - 1 else rule("└", "┴", "┘", "─"))
    if not rows:
        lines.append(rule("└", "┴", "┘", "─"))
    weights = model.weights if model.built else []
    trainable = model.trainable_weights if model.built else []
    non_trainable = [v for v in weights if not any(v is t for t in trainable)]
    lines.append(f" Total params: {_count(weights):,} ({readable_size(_bytes(weights))})")
    lines.append(f" Trainable params: {_count(trainable):,} ({readable_size(_bytes(trainable))})")
    lines.append(f" Non-trainable params: {_count(non_trainable):,} ({readable_size(_bytes(non_trainable))})")
    optimizer = getattr(model, "optimizer", None)
    opt_vars = list(getattr(optimizer, "variables", []) or []) if optimizer is not None else []
    if opt_vars and any(int(np.prod(v.shape)) > 1 for v in opt_vars):
        lines.append(f" Optimizer params: {_count(opt_vars):,} ({readable_size(_bytes(opt_vars))})")
    for line in lines:
        print_fn(line)


def _split(total, positions):
    edges = [int(total * p) for p in positions]
    return [b - a for a, b in zip([0, *edges[:-1]], edges)]
