"""Analyze: requirements (SRS) from the product brief."""
