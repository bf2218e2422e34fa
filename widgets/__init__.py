"""gradplay.widgets: Panel/Bokeh views of training (see DESIGN.md). Depends on the engine."""
