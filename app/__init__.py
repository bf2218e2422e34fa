"""gradplay's applications. ``python -m gradplay.app`` serves the Playground (the main job);
``python -m gradplay.app.demo`` is the terminal demo of the engine that came before it."""
