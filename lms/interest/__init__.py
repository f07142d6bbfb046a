"""Interest lists: “Houd me op de hoogte” on an activity (its next edition) or a theme."""
