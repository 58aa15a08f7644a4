"""Hash banks: named hash lists with provenance, classifications and jurisdictions."""
