"""Cases: reports linked by what they share, so police receive one case, not many reports."""
