"""What several features share, below all of them: the phases of a workshop, the countries
that can be target markets, and the versioned change log every room command writes through.

Nothing here imports a blueprint package (app.workshops, app.voting, app.strategy, ...)."""
