"""The live part: Play / Pause / Step / Reset, the loop that trains between redraws, shared
training, replay and run comparison, and the view it redraws.
"""
