"""The edges where outside values come in and go out: the share link, widget values, points tables
and CSV, JSON and CSV exports, lecture links. Everything is parsed here once.
"""
