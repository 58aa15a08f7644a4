"""Reporters: organisations (platforms, hotlines, trusted flaggers) that submit reports."""
