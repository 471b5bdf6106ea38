"""The funnel per blog post: views of the embedded form counted without cookies, and the report."""
