"""Alerts: short messages to an agency about a case (a deadline at risk, a case no agency
serves, a deconfliction hit, a dead letter), raised once while unacknowledged."""
