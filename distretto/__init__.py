"""Distretto: the smart-district platform of an Italian Chamber of Commerce."""
