"""Reports: intake, lifecycle (open, finished, retracted), files, quality."""
