"""Analysis: run directories -> tidy DataFrames (tables), statistics (stats), one report module per kind of run.

It reads what runs wrote and never imports a world, mind, optimizer, study or command.
"""
