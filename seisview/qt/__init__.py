"""PyQt6 / pyqtgraph / vispy views, tools, panels and workers. Thin: render models, relay gestures."""
