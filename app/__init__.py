"""gradplay's applications. ``python -m gradplay.app`` runs the main job.

Until the Playground lands, the main job is a terminal demo of the engine: the TensorFlow
Playground's default network learning the exclusive-or dataset with ``GradientTape``.
"""
