"""The question's own material: its printed log, the presets, and which learning rate reproduces
the log.
"""
