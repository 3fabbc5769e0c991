"""The explanation: why the loss stands where it stands, the hidden units, the question's log, and
the search over restarts.
"""
