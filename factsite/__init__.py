"""Build a static fact-sheet site from YAML content: load -> validate -> page models -> render -> write."""
