"""The engine: activations, a batch of MLPs with a hand-written backward pass, optimizers on one
flat buffer, and the trainer. Imports nothing of runs, analysis or edges.
"""
