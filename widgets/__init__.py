"""gradplay.widgets: Panel/Bokeh views of training (see DESIGN.md). Depends on the engine.

Every widget is a ``panel.viewable.Viewer`` with a small update API (``push``/``update``) and is
also a Keras callback: ``model.fit(x, y, callbacks=[LossCurve(), DecisionBoundary()])``.

>>> from gradplay.widgets import LossCurve
>>> curve = LossCurve()
>>> curve.push(1, loss=0.5)
"""

from .activation_maps import ActivationMaps
from .base import FitCallback
from .confusion_matrix import ConfusionMatrix
from .dashboard import TrainingDashboard
from .decision_boundary import DecisionBoundary
from .loss_curve import LossCurve
from .network_diagram import NetworkDiagram
from .neuron_grid import NeuronGrid
from .weight_histogram import WeightHistogram

__all__ = [
    "ActivationMaps",
    "ConfusionMatrix",
    "DecisionBoundary",
    "FitCallback",
    "LossCurve",
    "NetworkDiagram",
    "NeuronGrid",
    "TrainingDashboard",
    "WeightHistogram",
]
