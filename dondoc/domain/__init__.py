"""Pure, deterministic domain: models, the working-day calendar, deadlines and policies."""
