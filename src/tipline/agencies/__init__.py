"""The agency registry: receiving agencies (the countries they serve, their channel through
intermediaries, how they take delivery) and the retention windows that set every deadline."""
