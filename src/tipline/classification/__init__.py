"""Classification: facts recorded once per file or cluster; verdicts derived per jurisdiction."""
