"""Evidence: uploaded files, content-addressed by SHA-256 and encrypted at rest."""
