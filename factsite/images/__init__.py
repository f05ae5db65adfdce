"""The one browser: chart images, share cards and sheet PDFs, drawn from the jobs the page model
plans (web/jobs.py) and kept in a cache. Imports only from web/ and content/."""
