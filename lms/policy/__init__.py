"""The learning policy (leerbeleid): versioned certification rules and their evaluation."""
