"""Download routes: one per workshop and format."""
