"""Routing: which agencies receive a case, by which channel, and by when."""
