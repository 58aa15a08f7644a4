"""Delivery: handing cases to agencies durably, with signatures, acknowledgements and retries."""
