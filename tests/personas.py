"""Persona fixtures: filled in by the clients feature (staff_user, client_a, client_b, client_a_user, ...)."""
