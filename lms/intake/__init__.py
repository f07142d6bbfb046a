"""Intake questions: asked when a person enrols or requests a place; answers kept per enrolment."""
