"""The website as a plan and its bytes: page models (pages), their URLs, charts as Plotly JSON, the
pages rendered to bytes (render), every other file (outputs), and the search index over the pages.
Imports only from content/."""
