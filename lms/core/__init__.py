"""Pages every visitor shares: home, health check, display preferences, privacy."""
