"""The content: read content/ (load), check it against the model (validate), and what the authoring
commands write (scaffold, schema). Imports nothing else of the package."""
