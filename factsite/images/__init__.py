"""The images: chart images and sheet PDFs drawn in the one browser, share cards drawn with Pillow
(cards.py, no browser), from the jobs the page model plans (web/jobs.py) and kept in a cache.
Imports only from web/ and content/."""
