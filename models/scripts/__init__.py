"""Runs taken home as code: self-contained PyTorch and Keras scripts that reproduce a run. Imports
the engine.
"""
