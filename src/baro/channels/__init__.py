"""The ways in: web (API and pages), devices, voice."""
