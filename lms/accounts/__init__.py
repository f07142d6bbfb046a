"""Accounts: registration, login, passwords, profile, API tokens and the user import."""
