"""gradplay: learn and teach neural networks with a TensorFlow-style engine.

Subpackages: ``gradplay.engine`` (import it as ``tf``), ``gradplay.widgets``, ``gradplay.app``.
Importing ``gradplay`` itself is cheap and imports none of them.
"""

__version__ = "0.1.0"
