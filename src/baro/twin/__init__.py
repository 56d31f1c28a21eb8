"""The digital twin: worlds, replay on a simulated clock, reports."""
