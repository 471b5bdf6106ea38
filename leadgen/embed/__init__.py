"""Embedding the public forms on the blog: frameless form pages, the embed script, the demo blog."""
