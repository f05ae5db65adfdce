"""Build a static fact-sheet site from YAML content.

The subpackages are the steps, and imports run only downward: pipeline and devserver (the flow) ->
publish (write, serve) -> images (the browser) -> web (page models, render, outputs, search) ->
content (load, validate, the model). tests/test_architecture.py holds the code to it.
"""
