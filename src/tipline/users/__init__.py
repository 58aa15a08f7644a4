"""Staff users: analysts, supervisors, administrators, hotline and agency users."""
