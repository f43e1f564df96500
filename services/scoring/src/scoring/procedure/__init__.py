"""The evaluation procedure: its stages, the publicity (公示) window counted in working days, and
objections filed in that window."""
