"""The input panel: presets, the network and training controls, the points table, the share link
and the lecturer's tools.
"""
