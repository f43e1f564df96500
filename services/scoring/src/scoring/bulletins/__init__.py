"""Bulletins (通报) of a region's organisation department: generated from a period's data, edited as
a draft, issued numbered per region and year, as JSON and as a Word document."""
