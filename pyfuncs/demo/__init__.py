"""The demo: a plausible small service company's books, issued and reminded by the real jobs."""
