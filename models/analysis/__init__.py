"""What a run means: floors and their proofs, theory, the loss landscape, plateaus, hidden units,
the diagnosis and the search over restarts. Imports the engine and runs.
"""
